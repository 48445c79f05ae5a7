package egress

import (
	"errors"
	"net/netip"
	"testing"
)

func TestPublicAddress(t *testing.T) {
	cases := map[string]bool{
		"8.8.8.8":              true,
		"2606:4700::1111":      true,
		"127.0.0.1":            false,
		"10.1.2.3":             false,
		"172.16.0.1":           false,
		"192.168.1.1":          false,
		"169.254.169.254":      false, // cloud metadata endpoint
		"100.64.0.1":           false,
		"0.0.0.0":              false,
		"255.255.255.255":      false,
		"224.0.0.1":            false,
		"::1":                  false,
		"fe80::1":              false,
		"fd00::1":              false,
		"::ffff:127.0.0.1":     false,
		"64:ff9b::a00:1":       false, // NAT64 of 10.0.0.1
		"2002:7f00:1::1":       false, // 6to4 of 127.0.0.1
		"::ffff:93.184.216.34": true,
	}
	for addr, want := range cases {
		if got := PublicAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckDial(t *testing.T) {
	var refused *RefusedError
	if err := CheckDial("tcp", "127.0.0.1:80", nil); !errors.As(err, &refused) || refused.Addr.String() != "127.0.0.1" {
		t.Fatalf("loopback: %v", err)
	}
	if err := CheckDial("tcp", "[fd00::1]:443", nil); !errors.As(err, &refused) {
		t.Fatalf("unique local IPv6: %v", err)
	}
	if err := CheckDial("tcp", "8.8.8.8:53", nil); err != nil {
		t.Fatalf("public address refused: %v", err)
	}
	if err := CheckDial("tcp", "no-port", nil); err == nil {
		t.Fatal("an address without a port passed")
	}
}

func TestNewDialerRefusesLoopbackUnlessAllowed(t *testing.T) {
	ln := listen(t)
	var refused *RefusedError
	if _, err := NewDialer(false, 0).Dial("tcp", ln.Addr().String()); !errors.As(err, &refused) {
		t.Fatalf("guarded dial to %s: %v", ln.Addr(), err)
	}
	conn, err := NewDialer(true, 0).Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("allowed dial: %v", err)
	}
	_ = conn.Close()
}
