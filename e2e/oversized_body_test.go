package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestOversizedBodyAnswers413ToClientsThatWriteFirst plays a client that writes its whole body
// before reading (Python's urllib and requests, Node's fetch): a body over the limit must still
// get the JSON 413, not a reset connection. The server reads (and drops) a bounded amount of a
// refused body so the client can finish writing.
func TestOversizedBodyAnswers413ToClientsThatWriteFirst(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	acc := e.Account("big")
	e.Instance(acc, "sender")
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), 7<<20)
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	head := fmt.Sprintf("POST /api/message/text/sender HTTP/1.1\r\nHost: %s\r\ntoken: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", u.Host, acc, len(body))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(body); err != nil {
		t.Fatalf("writing the whole body failed (the server hung up before reading it): %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer after the body: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), `"Request body too large"`) {
		t.Fatalf("answer %d %s, want the JSON 413", resp.StatusCode, raw)
	}
}
