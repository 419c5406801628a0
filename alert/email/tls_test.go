package email_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert/email"
)

// selfSigned is a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// submission is an SMTP submission server stub: STARTTLS (or TLS from the
// first byte) and AUTH PLAIN; it records whether the password came over TLS.
type submission struct {
	mu        sync.Mutex
	authTLS   []bool
	authPlain []string
	mails     int
}

func (s *submission) serve(c net.Conn, cfg *tls.Config, implicit bool) {
	defer func() { c.Close() }()
	secure := implicit
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 submission ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-submission")
			if !secure {
				say("250-STARTTLS")
			}
			say("250 AUTH PLAIN")
		case cmd == "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, cfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, r, secure = tc, bufio.NewReader(tc), true
		case strings.HasPrefix(cmd, "AUTH PLAIN"):
			creds, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(line[len("AUTH PLAIN"):]))
			s.mu.Lock()
			s.authTLS = append(s.authTLS, secure)
			s.authPlain = append(s.authPlain, string(creds))
			s.mu.Unlock()
			say("235 ok")
		case cmd == "DATA":
			say("354 go")
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
			}
			s.mu.Lock()
			s.mails++
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func startSubmission(t *testing.T, implicit bool) (*submission, string, *x509.CertPool) {
	cert, pool := selfSigned(t)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	var ln net.Listener
	var err error
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", cfg)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &submission{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c, cfg, implicit)
		}
	}()
	return s, ln.Addr().String(), pool
}

// E-mail through a submission server (audit M8): STARTTLS with the
// server's name verified, then AUTH; implicit TLS (port 465) too; the
// password is never sent before TLS.
func TestSMTPWithTLS(t *testing.T) {
	for _, implicit := range []bool{false, true} {
		s, addr, pool := startSubmission(t, implicit)
		n := &email.Notifier{Addr: addr, From: "aqwarn@example.org", Username: "aqwarn", Password: "smtp-secret", RootCAs: pool}
		if implicit {
			n.TLS = "implicit"
		}
		retry, err := n.Notify(context.Background(), delivery("duty@example.org", false))
		if err != nil {
			t.Fatalf("implicit=%v: retry=%v err=%v", implicit, retry, err)
		}
		s.mu.Lock()
		if s.mails != 1 || len(s.authTLS) != 1 || !s.authTLS[0] || !strings.Contains(s.authPlain[0], "smtp-secret") {
			t.Errorf("implicit=%v: %d mails, auth over TLS %v", implicit, s.mails, s.authTLS)
		}
		s.mu.Unlock()
	}
	// A certificate the notifier does not trust: refused, nothing sent.
	s, addr, _ := startSubmission(t, false)
	n := &email.Notifier{Addr: addr, From: "aqwarn@example.org", Username: "aqwarn", Password: "smtp-secret"}
	if _, err := n.Notify(context.Background(), delivery("duty@example.org", false)); err == nil {
		t.Error("an untrusted certificate was accepted")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.authPlain) != 0 || s.mails != 0 {
		t.Errorf("sent through an untrusted server: auth %v, %d mails", s.authPlain, s.mails)
	}
}
