package server

// TLS from a certificate and key in PEM files, read again on reload: the
// handshake takes whichever certificate is current, so a renewed one is
// served from the next connection on without a restart.

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/sae-go/sae/internal/safefile"
)

// certificate is a loaded key pair and what the log says of it.
type certificate struct {
	cert     *tls.Certificate
	subject  string
	notAfter time.Time
}

// loadCertificate reads the PEM files certFile (the chain, leaf first)
// and keyFile.
func loadCertificate(certFile, keyFile string, log *slog.Logger) (*certificate, error) {
	certPEM, err := safefile.ReadRegular(certFile, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	keyPEM, err := safefile.ReadRegular(keyFile, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("TLS key: %w", err)
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("TLS: %s and %s: %v", certFile, keyFile, err)
	}
	leaf := c.Leaf // parsed by X509KeyPair
	cert := &certificate{cert: &c, subject: leaf.Subject.String(), notAfter: leaf.NotAfter}
	if now := time.Now(); now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		log.Warn("the TLS certificate is not valid now; clients will refuse it", "cert", certFile, "not_before", leaf.NotBefore, "not_after", leaf.NotAfter)
	}
	return cert, nil
}

// tlsConfig serves the current certificate, TLS 1.2 and up, HTTP/1.1.
func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.cert.Load().cert, nil
		},
	}
}
