// Package corednsplugin is the CoreDNS plugin "egress": a deny-by-default
// allowlist for the names an agent may resolve.
//
// A query for a name that is not on the list is answered at once (NXDOMAIN,
// or REFUSED, with Extended DNS Error 15 "Blocked") and is never sent
// upstream, because the name itself can carry stolen data
// (c2VjcmV0.attacker.example). Queries the plugin cannot judge (several
// questions, a class other than IN, an opcode other than QUERY, records in
// the query) are refused. Answers to allowed queries are checked on the
// way back: a CNAME to a name outside the list is refused, and with
// deny_private_answers internal addresses are dropped.
//
// The plugin must run before cache and forward; sidecars/coredns puts it
// just before cache. The list format and matching rules are package egress's.
//
//	. {
//	    egress {
//	        allowlist /etc/coredns/allowlist.txt
//	        reload 5s
//	        audit_log /var/log/securestack/dns-audit.jsonl
//	        deny_private_answers
//	    }
//	    cache
//	    forward . 1.1.1.1
//	}
//
// See README.md in this directory for the full syntax and the metrics.
package corednsplugin
