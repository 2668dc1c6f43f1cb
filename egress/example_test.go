package egress_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/openclaw-secure-stack/securestack/egress"
)

func Example() {
	al, err := egress.ParseAllowlist(strings.NewReader(`
example.com        # exactly example.com
*.api.example.net  # its subdomains only
.pypi.org          # pypi.org and its subdomains
10.0.0.0/8
`), "allowlist.txt")
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"example.com", "www.example.com", "v1.API.example.net.", "api.example.net", "files.pypi.org", "pypi.org"} {
		fmt.Println(name, al.Match(name))
	}
	fmt.Println(al.MatchAddr(netip.MustParseAddr("10.1.2.3")))
	// Output:
	// example.com true
	// www.example.com false
	// v1.API.example.net. true
	// api.example.net false
	// files.pypi.org true
	// pypi.org true
	// true
}

// A line that is not an entry fails the whole file with its file and line.
func ExampleParseAllowlist_error() {
	_, err := egress.ParseAllowlist(strings.NewReader("example.com\nexa mple.com\n"), "allowlist.txt")
	fmt.Println(err != nil && strings.Contains(err.Error(), "allowlist.txt:2"))
	// Output: true
}
