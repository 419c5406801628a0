package mqtt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// loopbackPair returns a bufferedConn and the peer's end of a TCP
// connection on 127.0.0.1.
func loopbackPair(t *testing.T) (*bufferedConn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { peer.Close() })
	return newBufferedConn(c), peer
}

func TestBufferedConnKeepsOrderAndFlushesOnClose(t *testing.T) {
	bc, peer := loopbackPair(t)
	var want bytes.Buffer
	for i := range 5000 {
		p := fmt.Appendf(nil, "packet %d;", i)
		want.Write(p)
		if n, err := bc.Write(p); err != nil || n != len(p) {
			t.Fatalf("write %d: n=%d err=%v", i, n, err)
		}
	}
	// Close right after the last write: what is pending still goes out.
	if err := bc.Close(); err != nil {
		t.Fatal(err)
	}
	peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(peer)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("peer got %d bytes, want %d (in order)", len(got), want.Len())
	}
	if _, err := bc.Write([]byte("late")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after close: %v, want net.ErrClosed", err)
	}
}

func TestBufferedConnReportsAWriteErrorOnALaterWrite(t *testing.T) {
	bc, peer := loopbackPair(t)
	defer bc.Close()
	// Closing the socket under the buffer makes the flusher's write fail.
	bc.Conn.Close()
	peer.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := bc.Write([]byte("x"))
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("writes on a closed connection kept succeeding")
		}
		time.Sleep(time.Millisecond) // let the flusher try
	}
}

func TestBufferedConnReadsThroughItsBuffer(t *testing.T) {
	bc, peer := loopbackPair(t)
	defer bc.Close()
	go peer.Write([]byte("hello, broker"))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(bc, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read %q, %v", buf, err)
	}
	rest := make([]byte, len(", broker"))
	if _, err := io.ReadFull(bc, rest); err != nil || string(rest) != ", broker" {
		t.Fatalf("read %q, %v", rest, err)
	}
}
