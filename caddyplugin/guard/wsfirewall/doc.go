// Package wsfirewall judges the WebSocket traffic between OpenClaw's
// Control UI and the gateway, for openclaw_guard. It imports no Caddy: the
// guard's Caddy handler adapts it.
//
// Every client-to-gateway message is a request frame
// {"type":"req","id","method","params"}. The firewall
//
//   - closes the socket with 1008 when a frame cannot be judged: binary,
//     over MaxMessage, not UTF-8 JSON, not a request, duplicate keys, or a
//     first request other than connect;
//   - refuses a method the session's role may not call (Policy.Decide):
//     deny by default for DangerousMethods unless the role is granted them,
//     a method whose OpenClaw scope the role lacks, an unknown method unless
//     unknown_methods allow;
//   - passes the chat text of ChatMethods through a Judge (the sanitizer)
//     and refuses what it refuses.
//
// A refusal is answered with a res frame in OpenClaw's error shape for that
// request id and never reaches the gateway.
//
//	fw := &wsfirewall.Firewall{Policy: wsfirewall.DefaultPolicy(), Judge: judge}
//	if err := wsfirewall.PrepareUpgrade(r); err != nil { ... }
//	if err := wsfirewall.CheckOrigin(r, tls, allowedOrigins); err != nil { ... }
//	proxy.ServeHTTP(fw.Wrap(w, wsfirewall.Peer{Role: "operator", Ended: s.Ended()}), r)
//
// Wrap hands the reverse proxy a connection whose reads are firewalled
// (relay.go): the gateway's bytes go to the client untouched.
package wsfirewall
