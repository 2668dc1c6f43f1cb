// Command caddy is Caddy with its standard modules plus the OpenClaw Secure
// Stack modules (http.handlers.openclaw_guard). It is the same binary that
//
//	xcaddy build --with github.com/openclaw-secure-stack/securestack/caddyplugin=<checkout>
//
// produces.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/openclaw-secure-stack/securestack/caddyplugin"
)

func main() {
	caddycmd.Main()
}
