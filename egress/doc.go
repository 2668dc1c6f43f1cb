// Package egress reads egress allowlists and matches host names and
// addresses against them. The CoreDNS plugin (corednsplugin), the egress
// proxy and the scanner's network rules all read this one format.
//
// # File format
//
// One entry per line. A '#' starts a comment that runs to the end of the
// line; blank lines are ignored. An entry is one of:
//
//	example.com      exactly example.com, not its subdomains
//	*.example.com    subdomains of example.com (a.example.com, a.b.example.com), not example.com
//	.example.com     example.com and all its subdomains (Squid's dstdomain semantics)
//	192.0.2.10       one address (IPv4 or IPv6)
//	2001:db8::/32    every address in a CIDR prefix
//
// Names may be written in any case, in Unicode or punycode, with or
// without a trailing dot. They are converted with UTS #46 lookup
// processing (golang.org/x/net/idna) to lower-case punycode: "Bücher.Example."
// and "xn--bcher-kva.example" are the same entry. Names must be host names
// (letters, digits and hyphens per label, labels of 1 to 63 octets, 253
// octets in all). A line that is not a valid entry makes the whole file
// fail with a *ParseError naming the file and line, so a typo never widens
// or silently narrows the list. A prefix must have its host bits clear
// (10.0.0.0/8, not 10.1.2.3/8).
//
// Name entries and address entries are separate: Match consults only the
// names and MatchAddr only the addresses.
//
// # Matching
//
// Match walks the labels of a name from the right over a hash of the
// entries and their suffixes, stopping at the first suffix below which the
// list has nothing. Its cost grows with the number of labels, not with the
// size of the list, and an ASCII name costs no allocation. A name that cannot
// be judged (DNS escapes such as "\046", empty labels, over-long labels)
// never matches. MatchAddr checks one masked lookup per distinct prefix
// length in the list.
//
// An *Allowlist is immutable; to apply a changed file, load a new one and
// swap the pointer.
//
// # Example
//
//	al, err := egress.LoadAllowlist("/etc/securestack/allowlist.txt")
//	if err != nil {
//		log.Fatal(err) // egress: /etc/...:12: invalid allowlist entry "exa mple.com": ...
//	}
//	al.Match("API.example.com.")                      // true with "*.example.com"
//	al.MatchAddr(netip.MustParseAddr("10.1.2.3"))     // true with "10.0.0.0/8"
package egress
