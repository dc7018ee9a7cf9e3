package server

// Bearer tokens (RFC 6750) from a file: one token per line, at least 16
// characters without spaces; blank lines and lines starting with # are
// skipped. The file is read again on reload. Tokens are kept as SHA-256
// hashes, and a presented token is hashed and compared with every one of
// them in constant time, so neither a token's length nor how much of it
// matches shows in the time of the answer.

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/sae-go/sae/internal/safefile"
)

// minTokenLen is the shortest token accepted: 16 characters of a random
// hex or base64 string (openssl rand -hex 32 gives 64) cannot be guessed.
const minTokenLen = 16

// tokenSet is the hashes of the valid tokens.
type tokenSet struct {
	hashes [][sha256.Size]byte
	n      int
}

// loadTokens reads the tokens file path.
func loadTokens(path string, log *slog.Logger) (*tokenSet, error) {
	b, err := safefile.ReadRegular(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("auth tokens: %w", err)
	}
	ts := &tokenSet{}
	for i, line := range bytes.Split(b, []byte("\n")) {
		tok := strings.TrimSpace(string(line))
		if tok == "" || tok[0] == '#' {
			continue
		}
		if strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return nil, fmt.Errorf("auth tokens: %s: line %d: a token has no spaces or control characters", path, i+1)
		}
		if len(tok) < minTokenLen {
			return nil, fmt.Errorf("auth tokens: %s: line %d: a token of %d characters is too short; use at least %d (openssl rand -hex 32)", path, i+1, len(tok), minTokenLen)
		}
		ts.hashes = append(ts.hashes, sha256.Sum256([]byte(tok)))
	}
	if len(ts.hashes) == 0 {
		return nil, fmt.Errorf("auth tokens: %s: no tokens (one per line; # starts a comment)", path)
	}
	ts.n = len(ts.hashes)
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		log.Warn("the auth tokens file can be read by other users; chmod 600 it", "file", path, "mode", st.Mode().Perm().String())
	}
	return ts, nil
}

// authError is a refused Authorization header: the WWW-Authenticate
// challenge and the message of the 401.
type authError struct{ challenge, msg string }

var (
	errNoToken  = &authError{`Bearer realm="sae"`, "unauthorized: send the header Authorization: Bearer <token>"}
	errBadToken = &authError{`Bearer realm="sae", error="invalid_token"`, "unauthorized: the bearer token is not valid"}
)

// check accepts the value of an Authorization header that holds one of
// the tokens.
func (ts *tokenSet) check(header string) *authError {
	const scheme = "Bearer "
	if len(header) <= len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return errNoToken
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(header[len(scheme):])))
	ok := 0
	for i := range ts.hashes {
		ok |= subtle.ConstantTimeCompare(sum[:], ts.hashes[i][:])
	}
	if ok != 1 {
		return errBadToken
	}
	return nil
}
