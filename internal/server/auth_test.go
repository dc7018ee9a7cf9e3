package server

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	tokenA = "0123456789abcdef0123456789abcdef"
	tokenB = "fedcba9876543210fedcba9876543210"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// doAuth sends a request with an Authorization header (none if empty).
func doAuth(t *testing.T, h http.Handler, method, path, auth string) (int, http.Header, []byte) {
	t.Helper()
	r, _ := http.NewRequest(method, path, strings.NewReader(goodBody))
	r.Header.Set("Content-Type", "application/json")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := &recorder{h: http.Header{}}
	h.ServeHTTP(w, r)
	return w.code, w.h, w.body.Bytes()
}

// Acceptance 3: with AuthTokensFile, every route but the exempt ones
// answers 401 in JSON without a valid token; the tokens file is read
// again on reload, and a broken one keeps the old tokens.
func TestAuthTokens(t *testing.T) {
	m := trainModel(t, 1)
	dir := t.TempDir()
	file := filepath.Join(dir, "tokens")
	writeFile(t, file, "# clients\n"+tokenA+"\n\n  "+tokenB+"  \r\n")
	var logs syncBuffer
	s := newTestServer(t, m, Options{AuthTokensFile: file, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	h := s.Handler()
	protected := [][2]string{{"POST", "/v1/score"}, {"POST", "/v1/encode"}, {"POST", "/v1/reconstruct"}, {"POST", "/v1/predict"}, {"POST", "/v1/explain"}, {"GET", "/v1/model"}, {"GET", "/nowhere"}, {"GET", "/v1/score"}}
	open := [][2]string{{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"}}
	for _, auth := range []string{"", "Bearer", "Bearer ", "Basic " + tokenA, "Bearer " + tokenA[:31], "Bearer " + tokenA + "0", "Bearer " + strings.ToUpper(tokenA), tokenA} {
		for _, rt := range protected {
			code, hd, b := doAuth(t, h, rt[0], rt[1], auth)
			checkError(t, code, b, 401, "unauthorized")
			if c := hd.Get("Www-Authenticate"); !strings.HasPrefix(c, `Bearer realm="sae"`) {
				t.Errorf("%s %s with %q: WWW-Authenticate %q", rt[0], rt[1], auth, c)
			}
		}
	}
	for _, auth := range []string{"Bearer " + tokenA, "bearer " + tokenB, "BEARER  " + tokenB + " "} {
		if code, _, b := doAuth(t, h, "POST", "/v1/score", auth); code != 200 {
			t.Errorf("%q: %d %s", auth, code, b)
		}
	}
	for _, rt := range open {
		if code, _, b := doAuth(t, h, rt[0], rt[1], ""); code != 200 {
			t.Errorf("%s without a token: %d %s", rt[1], code, b)
		}
	}
	if got, want := metricValue(t, h, `sae_http_requests_rejected_total{reason="unauthorized"}`), float64(8*len(protected)); got != want {
		t.Errorf("unauthorized counted %g, want %g", got, want)
	}

	// Reload: tokenA is gone, tokenB stays, a new one comes.
	tokenC := strings.Repeat("c", 16)
	writeFile(t, file, tokenB+"\n"+tokenC+"\n")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	for auth, want := range map[string]int{tokenA: 401, tokenB: 200, tokenC: 200} {
		if code, _, b := doAuth(t, h, "POST", "/v1/score", "Bearer "+auth); code != want {
			t.Errorf("after reload, %s: %d %s, want %d", auth, code, b, want)
		}
	}
	// A broken file is refused and the tokens stay.
	for i, broken := range []string{"", "# nothing\n", "short\n", "has space inside a token\n"} {
		writeFile(t, file, broken)
		err := s.Reload()
		if err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("tokens file %q: reload error %v", broken, err)
		}
		if code, _, _ := doAuth(t, h, "POST", "/v1/score", "Bearer "+tokenC); code != 200 {
			t.Errorf("tokens file %q: the old token is refused", broken)
		}
		if got := metricValue(t, h, `sae_credentials_reloads_total{file="auth_tokens",result="error"}`); got != float64(i+1) {
			t.Errorf("failed token reloads counted %g", got)
		}
	}
	os.Remove(file)
	if err := syscallMkfifo(file); err == nil {
		if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("tokens file a named pipe: %v", err)
		}
		os.Remove(file)
	}

	// No route exempt: /metrics needs a token too.
	writeFile(t, file, tokenA+"\n")
	s = newTestServer(t, m, Options{AuthTokensFile: file, AuthExempt: []string{}})
	if code, _, b := doAuth(t, s.Handler(), "GET", "/metrics", ""); code != 401 {
		t.Errorf("/metrics with no exemption: %d %s", code, b)
	}
	// Tokens too short and routes that are not routes are refused at start.
	writeFile(t, file, "abc\n")
	if _, err := New(func() (*Model, error) { return FromSAE(m, "m"), nil }, Options{AuthTokensFile: file}); err == nil || !strings.Contains(err.Error(), "line 1: a token of 3 characters is too short") {
		t.Errorf("short token: %v", err)
	}
	if _, err := New(func() (*Model, error) { return FromSAE(m, "m"), nil }, Options{AuthExempt: []string{"/health"}}); err == nil {
		t.Errorf("exempting a route that does not exist is accepted")
	}
	// A file others can read is served, with a warning.
	writeFile(t, file, tokenA+"\n")
	os.Chmod(file, 0o644)
	logs = syncBuffer{}
	newTestServer(t, m, Options{AuthTokensFile: file, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "can be read by other users") {
		t.Errorf("no warning for a tokens file of mode 644: %s", logs.String())
	}
}

// testCA is a certificate authority and a server certificate it signed
// for 127.0.0.1, written as PEM files.
type testCA struct {
	pool     *x509.CertPool
	certFile string
	keyFile  string
}

func newTestCA(t *testing.T, dir, name string) testCA {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	c := testCA{pool: x509.NewCertPool(), certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
	c.pool.AddCert(ca)
	writeFile(t, c.certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, c.keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	return c
}

// client trusts only the pool's authorities.
func client(pool *x509.CertPool) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// Acceptance 3: with TLS, a client that verifies the certificate against
// its authority is served (with a token too); one that trusts another
// authority is refused by its own check; plain HTTP to the port gets a
// JSON 400. A new certificate is served after a reload, and a broken one
// keeps the old.
func TestTLS(t *testing.T) {
	m := trainModel(t, 1)
	dir := t.TempDir()
	first := newTestCA(t, dir, "first")
	tokens := filepath.Join(dir, "tokens")
	writeFile(t, tokens, tokenA+"\n")
	s := newTestServer(t, m, Options{TLSCertFile: first.certFile, TLSKeyFile: first.keyFile, AuthTokensFile: tokens})
	sv := serve(t, s)
	url := "https://" + sv.addr
	score := func(c *http.Client, auth string) (int, string, error) {
		req, _ := http.NewRequest("POST", url+"/v1/score", strings.NewReader(goodBody))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.TLS == nil || len(resp.TLS.VerifiedChains) == 0 {
			t.Errorf("answer without a verified chain")
		}
		return resp.StatusCode, string(b), nil
	}
	if code, b, err := score(client(first.pool), tokenA); err != nil || code != 200 || !strings.Contains(b, `"scores"`) {
		t.Fatalf("verified client: %d %s %v", code, b, err)
	}
	if code, _, err := score(client(first.pool), ""); err != nil || code != 401 {
		t.Errorf("verified client without a token: %d %v", code, err)
	}
	other := newTestCA(t, t.TempDir(), "other")
	if _, _, err := score(client(other.pool), tokenA); err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Errorf("a client trusting another authority: %v", err)
	}
	resp, b := roundTrip(t, sv.addr, "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
	checkError(t, resp.StatusCode, b, 400, "this port speaks HTTPS")

	second := newTestCA(t, dir, "second") // overwrites cert.pem and key.pem
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if code, _, err := score(client(second.pool), tokenA); err != nil || code != 200 {
		t.Errorf("after the reload, a client of the new authority: %d %v", code, err)
	}
	if _, _, err := score(client(first.pool), tokenA); err == nil {
		t.Errorf("after the reload, the old certificate is still served")
	}
	writeFile(t, second.certFile, "not a certificate")
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("broken certificate: %v", err)
	}
	if code, _, err := score(client(second.pool), tokenA); err != nil || code != 200 {
		t.Errorf("after a failed reload: %d %v", code, err)
	}
	if got := metricValue(t, s.Handler(), `sae_credentials_reloads_total{file="tls",result="error"}`); got != 1 {
		t.Errorf("failed TLS reloads counted %g", got)
	}

	// Library errors are JSON inside TLS too.
	c, err := tls.Dial("tcp", sv.addr, &tls.Config{RootCAs: second.pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /healthz HTTP/3.0\r\nHost: test\r\n\r\n")
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(r.Body)
	checkError(t, r.StatusCode, b, 505, "HTTP version")
	if !bytes.HasPrefix(b, []byte("{")) {
		t.Errorf("%s", b)
	}
}

func syscallMkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
