package main

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// envPrefixes parses a comma-separated list of CIDRs (a bare address means just that address),
// failing loudly on a typo: a mistyped trusted proxy would silently key every client by the
// proxy's address again.
func envPrefixes(name string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, field := range strings.Split(os.Getenv(name), ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(field)
		if err != nil {
			addr, addrErr := netip.ParseAddr(field)
			if addrErr != nil {
				return nil, fmt.Errorf("%s: %q is not a CIDR such as 10.0.0.0/8 or an IP address", name, field)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		out = append(out, prefix.Masked())
	}
	return out, nil
}
