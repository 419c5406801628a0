package email_test

import (
	"bufio"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"encoding/base64"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/email"
	"github.com/aqwarn/aqwarn/alert/notify"
)

// smtpServer is a tiny SMTP server on 127.0.0.1 that keeps what it gets.
// rcptCode is its answer to RCPT TO (250 accepts).
type smtpServer struct {
	ln       net.Listener
	rcptCode string
	mu       sync.Mutex
	mails    []string
	rcpts    []string
}

func startSMTP(t *testing.T, rcptCode string) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, rcptCode: rcptCode}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			s.mu.Lock()
			s.rcpts = append(s.rcpts, strings.TrimSpace(line[8:]))
			s.mu.Unlock()
			say(s.rcptCode + " rcpt")
		case cmd == "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.mails = append(s.mails, b.String())
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

func (s *smtpServer) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.mails...)
}

func delivery(to string, withCAP bool) notify.Delivery {
	d := notify.Delivery{Key: "w1-t1/city_command/email-abcd", Recipient: notify.Recipient{Unit: "city_command", NameZH: "市指挥机构"},
		Channel: alert.Channel{Kind: "email", Target: to},
		Message: notify.Message{HeadlineZH: "江华县发布重污染天气黄色预警", HeadlineEN: "Jianghua: yellow warning issued",
			LevelZH: "黄色预警", RegionZH: "江华瑶族自治县", At: time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)}}
	if withCAP {
		d.Message.CAPID = "43112901100000_20261202000000_0"
		d.Message.CAP = `<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>`
	}
	return d
}

// TestSendToLocalServer: a plain notice and the report with the CAP
// document attached arrive, decodable, at a local SMTP server.
func TestSendToLocalServer(t *testing.T) {
	srv := startSMTP(t, "250")
	n := &email.Notifier{Addr: srv.ln.Addr().String(), From: "aqwarn@example.invalid"}
	for _, withCAP := range []bool{false, true} {
		if retry, err := n.Notify(context.Background(), delivery("command@example.invalid", withCAP)); err != nil {
			t.Fatalf("notify (cap %v): retry=%v err=%v", withCAP, retry, err)
		}
	}
	mails := srv.got()
	if len(mails) != 2 {
		t.Fatalf("got %d mails", len(mails))
	}
	for i, raw := range mails {
		m, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if !strings.Contains(subj, "黄色预警") {
			t.Errorf("mail %d subject %q", i, subj)
		}
		if !strings.HasPrefix(m.Header.Get("Message-ID"), "<w1-t1.city_command.email-abcd@") {
			t.Errorf("mail %d Message-ID %q", i, m.Header.Get("Message-ID"))
		}
		mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		if i == 0 {
			body, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, m.Body))
			if mt != "text/plain" || !strings.Contains(string(body), "江华瑶族自治县") {
				t.Errorf("mail 0: %s %q", mt, body)
			}
			continue
		}
		if mt != "multipart/mixed" {
			t.Fatalf("mail 1 type %s", mt)
		}
		mr := multipart.NewReader(m.Body, params["boundary"])
		var types []string
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			types = append(types, p.Header.Get("Content-Type"))
		}
		if len(types) != 2 || !strings.HasPrefix(types[1], "application/cap+xml") {
			t.Errorf("mail 1 parts %v", types)
		}
	}
}

// TestSMTPErrors: 4xx answers are retried, 5xx are not, no server is.
func TestSMTPErrors(t *testing.T) {
	tests := []struct {
		name  string
		code  string
		retry bool
	}{
		{"mailbox busy (4xx) is retried", "450", true},
		{"no such user (5xx) is not", "550", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTP(t, tc.code)
			retry, err := (&email.Notifier{Addr: srv.ln.Addr().String(), From: "a@example.invalid"}).
				Notify(context.Background(), delivery("x@example.invalid", false))
			if err == nil || retry != tc.retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
		})
	}
	srv := startSMTP(t, "250")
	addr := srv.ln.Addr().String()
	srv.ln.Close()
	if retry, err := (&email.Notifier{Addr: addr, From: "a@example.invalid"}).Notify(context.Background(), delivery("x@example.invalid", false)); err == nil || !retry {
		t.Errorf("closed server: retry=%v err=%v", retry, err)
	}
	if _, err := (&email.Notifier{Addr: addr, From: "a@example.invalid"}).Notify(context.Background(), delivery("not-an-address", false)); err == nil {
		t.Error("bad address accepted")
	}
}
