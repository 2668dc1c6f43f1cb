package route

// ProbePaths are the gateway's health probes (GATEWAY_PROBE_ROUTES in
// dist/gateway-http-route-contracts-*.mjs), answered without a token.
var ProbePaths = []string{"/health", "/healthz", "/ready", "/readyz", "/startup", "/startupz"}

// ControlUIFiles and ControlUIDirs are the top level of the Control UI the
// gateway serves at / (dist/control-ui in the openclaw package).
var (
	ControlUIFiles = []string{
		"apple-touch-icon.png", "asset-manifest.json", "favicon-32.png", "favicon.ico", "favicon.svg",
		"index.html", "manifest.webmanifest", "social-card.png", "sw.js",
	}
	ControlUIDirs = []string{
		"app-art", "assets", "cloud-provider-icons", "community-art", "file-icons", "fonts",
		"provider-icons", "themes",
	}
)

// Inspected routes: the paths whose bodies the guard knows how to inspect.
const (
	ChatCompletions = "/v1/chat/completions"
	Responses       = "/v1/responses"
	Embeddings      = "/v1/embeddings"
	ToolsInvoke     = "/tools/invoke"
)

// Defaults is the route table for OpenClaw 2026.9.x (../docs/GUARD.md has
// the reasoning): health probes public; the OpenAI-compatible API with its
// bodies inspected; models, the Control UI's files and its /__openclaw__/
// documents with a token; /tools/invoke, /hooks and the WebSocket denied.
// Everything else is not found.
func Defaults() []Route {
	var rs []Route
	for _, p := range ProbePaths {
		rs = append(rs, MustNew("GET", p, Public))
	}
	rs = append(rs,
		MustNew("POST", ChatCompletions, Inspect),
		MustNew("POST", Responses, Inspect),
		MustNew("POST", Embeddings, Inspect),
		MustNew("GET", "/v1/models", Auth),
		MustNew("GET", "/v1/models/{id}", Auth),
		MustNew("POST", ToolsInvoke, Deny),
		MustNew(AnyMethod, "/hooks", Deny),
		MustNew(AnyMethod, "/hooks/*", Deny),
		MustNew("GET", "/", Auth),
		MustNew("GET", "/__openclaw__/control-ui-config.json", Auth),
		MustNew("GET", "/__openclaw__/canvas", Auth),
		MustNew("GET", "/__openclaw__/canvas/*", Auth),
		MustNew("GET", "/__openclaw__/a2ui", Auth),
		MustNew("GET", "/__openclaw__/a2ui/*", Auth),
	)
	for _, f := range ControlUIFiles {
		rs = append(rs, MustNew("GET", "/"+f, Auth))
	}
	for _, d := range ControlUIDirs {
		rs = append(rs, MustNew("GET", "/"+d+"/*", Auth))
	}
	return append(rs, MustNew(WebSocket, "/", Deny))
}
