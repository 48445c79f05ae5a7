package egress

import (
	"net"
	"net/netip"
	"syscall"
	"time"
)

// RefusedError is a dial the guard stopped: the address is not a public one.
type RefusedError struct{ Addr netip.Addr }

func (e *RefusedError) Error() string {
	return "refusing to connect to " + e.Addr.String() + ": not a public address"
}

// nonPublicPrefixes are the ranges netip's predicates do not cover: shared (carrier-grade NAT),
// "this network", IETF protocol assignments, benchmarking, reserved, and the IPv6 translation
// prefixes that can embed any IPv4 address, private ones included.
var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
}

// PublicAddress reports whether addr is a globally routable unicast address: not loopback,
// private, link-local (cloud metadata lives there), multicast, shared or reserved.
func PublicAddress(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() || addr.IsLoopback() || addr.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// CheckDial is a net.Dialer Control function: it runs on the resolved address just before the
// socket connects and refuses any address that is not public with a *RefusedError.
func CheckDial(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if !PublicAddress(addr) {
		return &RefusedError{Addr: addr}
	}
	return nil
}

// NewDialer returns a dialer that refuses non-public addresses unless allowPrivate is set (an
// operator's explicit choice, e.g. a proxy or image server on the local network).
func NewDialer(allowPrivate bool, timeout time.Duration) *net.Dialer {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = CheckDial
	}
	return d
}
