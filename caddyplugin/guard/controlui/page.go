package controlui

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
)

// style is the pages' only styling, inline and allowed by its hash in the
// CSP: the pages load nothing from anywhere and run no script.
const style = `body{font:16px/1.5 system-ui,sans-serif;margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f5f5f4;color:#1c1917}` +
	`main{background:#fff;border:1px solid #d6d3d1;border-radius:8px;padding:2rem;width:min(24rem,90vw)}` +
	`h1{font-size:1.25rem;margin:0 0 1rem}label{display:block;margin-bottom:.25rem}` +
	`input[type=password]{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #a8a29e;border-radius:4px}` +
	`button{margin-top:1rem;padding:.5rem 1rem;font:inherit;border:0;border-radius:4px;background:#1c1917;color:#fff;cursor:pointer}` +
	`.error{color:#b91c1c;margin:0 0 1rem}.note{color:#57534e;font-size:.875rem;margin:1rem 0 0}`

// ContentSecurityPolicy is sent with the login and logout pages: nothing
// may load, no script may run, forms post only here, and no site may frame
// them (frame-ancestors, with X-Frame-Options for old browsers).
var ContentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(style))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

var pages = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>OpenClaw: log in</title><style>{{.Style}}</style></head>
<body><main>
<h1>Log in to OpenClaw</h1>
{{if .Error}}<p class="error" role="alert" id="error">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<label for="token">Access token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{{.Next}}">
<button type="submit" id="login">Log in</button>
</form>
<p class="note">The guard in front of this gateway checks your token and keeps you logged in with a cookie for this site only.</p>
</main></body></html>
`))

var _ = template.Must(pages.New("logout").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>OpenClaw: log out</title><style>{{.Style}}</style></head>
<body><main>
<h1>Log out of OpenClaw</h1>
<p>Logged in as <strong id="user">{{.User}}</strong> ({{.Role}}).</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" id="logout">Log out</button>
</form>
</main></body></html>
`))

type pageData struct {
	Style               template.CSS
	Action, Next, Error string
	User, Role, CSRF    string
}

// writePage renders a page with the security headers every page gets.
func writePage(w http.ResponseWriter, status int, name string, d pageData) {
	d.Style = template.CSS(style)
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, d); err != nil {
		http.Error(w, "openclaw_guard: could not render the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// Not no-referrer: with it, browsers send "Origin: null" on the form
	// post, which the origin check must refuse.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
