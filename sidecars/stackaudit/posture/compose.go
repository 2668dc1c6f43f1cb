package posture

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// Labels a Compose service may carry to tell the audit what it is and what
// was decided on purpose.
const (
	LabelRole             = "org.openclaw-secure-stack.role"
	LabelCapJustification = "org.openclaw-secure-stack.cap-justification"
	LabelPublish          = "org.openclaw-secure-stack.publish"
	// LabelNoNewPrivileges "daemon" says no-new-privileges comes from the
	// node's daemon.json, for Swarm, which ignores security_opt.
	LabelNoNewPrivileges = "org.openclaw-secure-stack.no-new-privileges"
)

// Roles of services in the stack.
const (
	RoleGuard         = "guard"
	RoleProviderGuard = "provider-guard"
	RoleEgressProxy   = "egress-proxy"
	RoleEgressDNS     = "egress-dns"
	RoleGateway       = "gateway"
	RoleSocketProxy   = "socket-proxy"
	RoleQuarantine    = "quarantine"
)

// roleByName is the fallback when a service has no role label.
var roleByName = map[string]string{
	"guard": RoleGuard, "provider-guard": RoleProviderGuard, "egress-proxy": RoleEgressProxy,
	"egress-dns": RoleEgressDNS, "dns": RoleEgressDNS, "coredns": RoleEgressDNS,
	"gateway": RoleGateway, "openclaw": RoleGateway, "socket-proxy": RoleSocketProxy,
	"quarantine": RoleQuarantine, "quarantine-watch": RoleQuarantine,
}

// TrustedNodeConstraint pins sensitive Swarm services.
const TrustedNodeConstraint = "node.labels.openclaw.trusted == true"

type composeInput struct {
	path        string
	swarm       bool
	project     *types.Project
	raw         *yaml.Node
	secretFiles []string
	envFiles    []string
	dockerfiles []string
}

func loadCompose(path string, swarm bool, opts Options) (*composeInput, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("not YAML: %w", err)
	}
	profiles := opts.Profiles
	if profiles == nil {
		profiles = []string{"*"}
	}
	dir := filepath.Dir(path)
	po, err := cli.NewProjectOptions([]string{path},
		cli.WithWorkingDirectory(dir),
		cli.WithEnv(opts.Env),
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithProfiles(profiles),
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithName(projectName(dir)),
	)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	p, err := po.LoadProject(context.Background())
	if err != nil {
		return nil, fmt.Errorf("compose-go cannot load it (set missing variables in .env beside it): %w", err)
	}
	c := &composeInput{path: path, swarm: swarm, project: p, raw: &doc}
	for _, s := range p.Secrets {
		if s.File != "" {
			c.secretFiles = append(c.secretFiles, s.File)
		}
	}
	for _, s := range sortedServices(p) {
		for _, e := range s.EnvFiles {
			c.envFiles = append(c.envFiles, e.Path)
		}
		if s.Build != nil {
			df := s.Build.Dockerfile
			if df == "" {
				df = "Dockerfile"
			}
			if !filepath.IsAbs(df) {
				df = filepath.Join(s.Build.Context, df)
			}
			c.dockerfiles = append(c.dockerfiles, df)
		}
	}
	return c, nil
}

// projectName makes a Compose project name from a directory, as Compose does
// when the file names none.
func projectName(dir string) string {
	abs, _ := filepath.Abs(dir)
	n := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return -1
	}, filepath.Base(abs))
	if n == "" {
		return "stack"
	}
	return n
}

func sortedServices(p *types.Project) []types.ServiceConfig {
	var out []types.ServiceConfig
	for _, s := range p.Services {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b types.ServiceConfig) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func serviceRole(s types.ServiceConfig) string {
	if r := s.Labels[LabelRole]; r != "" {
		return r
	}
	if s.Deploy != nil && s.Deploy.Labels[LabelRole] != "" {
		return s.Deploy.Labels[LabelRole]
	}
	return roleByName[s.Name]
}

func serviceLabel(s types.ServiceConfig, key string) string {
	if v := s.Labels[key]; v != "" {
		return v
	}
	if s.Deploy != nil {
		return s.Deploy.Labels[key]
	}
	return ""
}

// yamlLine returns the line of the deepest node along path that exists
// (mapping keys by name, sequence items by decimal index).
func yamlLine(doc *yaml.Node, path ...string) int {
	n := doc
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 1
	if n != nil {
		line = n.Line
	}
	for _, k := range path {
		if n == nil {
			break
		}
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == k {
					line = n.Content[i].Line
					next = n.Content[i+1]
				}
			}
		case yaml.SequenceNode:
			var idx int
			if _, err := fmt.Sscanf(k, "%d", &idx); err == nil && idx >= 0 && idx < len(n.Content) {
				next = n.Content[idx]
				line = next.Line
			}
		}
		n = next
	}
	return line
}

// yamlNode returns the node at path, or nil.
func yamlNode(doc *yaml.Node, path ...string) *yaml.Node {
	n := doc
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, k := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

var socketPaths = []string{"/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock", "/var/run/podman/podman.sock", "/run/containerd/containerd.sock"}

func isSocketMount(src string) bool {
	return slices.Contains(socketPaths, filepath.Clean(src)) || strings.HasSuffix(src, "/podman.sock") || strings.HasSuffix(src, "/docker.sock")
}

// socketProxyForbidden are the sections of the engine API that an agent
// sandbox never needs; each is a switch of tecnativa/docker-socket-proxy.
var socketProxyForbidden = []string{"AUTH", "SECRETS", "SWARM", "NODES", "SERVICES", "TASKS", "CONFIGS", "PLUGINS", "SYSTEM", "BUILD", "VOLUMES", "DISTRIBUTION", "SESSION", "GRPC", "ALLOW_START", "ALLOW_STOP", "ALLOW_RESTARTS"}

func isRootUser(u string) bool {
	name, _, _ := strings.Cut(u, ":")
	return name == "" || name == "0" || name == "root"
}

func hasNoNewPrivileges(opts []string) bool {
	for _, o := range opts {
		switch strings.ReplaceAll(strings.TrimSpace(o), "=", ":") {
		case "no-new-privileges", "no-new-privileges:true":
			return true
		}
	}
	return false
}

func tmpfsHardened(opts string) bool {
	set := map[string]bool{}
	for _, o := range strings.Split(opts, ",") {
		set[strings.TrimSpace(o)] = true
	}
	return set["noexec"] && set["nosuid"] && set["nodev"]
}

// isSecretName tells whether an environment variable or key name holds a secret.
func isSecretName(name string) bool {
	u := strings.ToUpper(name)
	for _, w := range []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL"} {
		if strings.Contains(u, w) {
			return true
		}
	}
	return false
}

// isProviderKeyName tells whether a variable holds a model provider's key.
func isProviderKeyName(name string) bool {
	u := strings.ToUpper(name)
	return strings.HasSuffix(u, "_API_KEY") && !strings.HasPrefix(u, "OPENCLAW_")
}

func checkCompose(fs *findings, c *composeInput, d *deployment) {
	p := c.project
	for _, s := range sortedServices(p) {
		role := serviceRole(s)
		at := func(keys ...string) int { return yamlLine(c.raw, append([]string{"services", s.Name}, keys...)...) }
		where := fmt.Sprintf("service %s", s.Name)

		if s.Privileged {
			fs.add("CTR_PRIVILEGED", c.path, at("privileged"), where+" runs privileged")
		}
		for key, v := range map[string]string{"network_mode": s.NetworkMode, "pid": s.Pid, "ipc": s.Ipc, "uts": s.Uts, "userns_mode": s.UserNSMode} {
			if v == "host" {
				fs.add("CTR_HOST_NAMESPACE", c.path, at(key), fmt.Sprintf("%s sets %s: host", where, key))
			}
		}
		for i, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind && isSocketMount(v.Source) {
				switch {
				case role != RoleSocketProxy:
					fs.add("CTR_DOCKER_SOCKET", c.path, at("volumes", fmt.Sprint(i)), fmt.Sprintf("%s mounts %s: whoever controls it controls the host", where, v.Source))
				case !v.ReadOnly:
					fs.add("CTR_DOCKER_SOCKET", c.path, at("volumes", fmt.Sprint(i)), fmt.Sprintf("socket proxy %s mounts %s writable; mount it :ro", s.Name, v.Source))
				}
			}
		}
		if role == RoleSocketProxy {
			var granted []string
			for _, k := range socketProxyForbidden {
				if v := s.Environment[k]; v != nil && (*v == "1" || strings.EqualFold(*v, "true")) {
					granted = append(granted, k)
				}
			}
			if len(granted) > 0 {
				fs.add("CTR_SOCKET_PROXY_GRANTS", c.path, at("environment"), fmt.Sprintf("socket proxy %s grants %s", s.Name, strings.Join(granted, ", ")))
			}
		}
		if !s.ReadOnly {
			fs.add("CTR_READ_ONLY", c.path, at("read_only"), where+" has a writable root file system")
		}
		if !slices.ContainsFunc(s.CapDrop, func(c string) bool { return strings.EqualFold(c, "ALL") }) {
			fs.add("CTR_CAP_DROP", c.path, at("cap_drop"), where+" does not drop ALL capabilities")
		}
		if len(s.CapAdd) > 0 && strings.TrimSpace(serviceLabel(s, LabelCapJustification)) == "" {
			fs.add("CTR_CAP_ADD", c.path, at("cap_add"), fmt.Sprintf("%s adds %s with no %s label", where, strings.Join(s.CapAdd, ", "), LabelCapJustification))
		}
		if !hasNoNewPrivileges(s.SecurityOpt) && !(c.swarm && serviceLabel(s, LabelNoNewPrivileges) == "daemon") {
			fs.add("CTR_NO_NEW_PRIVILEGES", c.path, at("security_opt"), where+" lacks no-new-privileges")
		}
		if isRootUser(s.User) {
			msg := where + " runs as root"
			if s.User == "" {
				msg = where + " sets no user, so the image decides (often root)"
			}
			fs.add("CTR_ROOT_USER", c.path, at("user"), msg)
		}
		for i, t := range s.Tmpfs {
			_, opts, _ := strings.Cut(t, ":")
			if !tmpfsHardened(opts) {
				fs.add("CTR_TMPFS_OPTIONS", c.path, at("tmpfs", fmt.Sprint(i)), fmt.Sprintf("%s mounts tmpfs %q", where, t))
			}
		}
		for i, v := range s.Volumes {
			if v.Type == types.VolumeTypeTmpfs {
				fs.add("CTR_TMPFS_OPTIONS", c.path, at("volumes", fmt.Sprint(i)), fmt.Sprintf("%s mounts a tmpfs volume at %s, whose long syntax cannot say noexec,nosuid,nodev; use the tmpfs: short syntax", where, v.Target))
			}
		}
		if s.Build == nil && !strings.Contains(s.Image, "@sha256:") {
			fs.add("CTR_IMAGE_DIGEST", c.path, at("image"), fmt.Sprintf("%s uses image %q by tag", where, s.Image))
		}
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
			fs.add("CTR_HEALTHCHECK", c.path, at("healthcheck"), where+" has no healthcheck")
		}
		checkComposeLimits(fs, c, s, at)

		// Network.
		if len(s.Ports) > 0 && role != RoleGuard {
			fs.add("NET_PUBLISHED_PORT", c.path, at("ports"), fmt.Sprintf("%s (role %q) publishes %d port(s)", where, role, len(s.Ports)))
		}
		if role == RoleGuard && serviceLabel(s, LabelPublish) != "public" {
			for i, pt := range s.Ports {
				if pt.HostIP == "" || pt.HostIP == "0.0.0.0" || pt.HostIP == "::" {
					fs.add("NET_PUBLISH_BIND", c.path, at("ports", fmt.Sprint(i)), fmt.Sprintf("the guard publishes port %s on every host address", pt.Published))
				}
			}
		}
		outside := serviceOutsideNetworks(p, s)
		switch role {
		case RoleGateway:
			for _, n := range outside {
				fs.add("NET_GATEWAY_NOT_INTERNAL", c.path, at("networks"), fmt.Sprintf("the gateway is on network %q, which is not internal", n))
			}
		case RoleEgressDNS, RoleEgressProxy, RoleGuard:
		default:
			for _, n := range outside {
				fs.add("NET_EGRESS_BYPASS", c.path, at("networks"), fmt.Sprintf("%s (role %q) is on network %q, which reaches the outside", where, role, n))
			}
		}
		// In Swarm no service has a fixed address to name in dns:; a gateway
		// on internal overlays only has no resolver that forwards out, and
		// reaches the outside through the egress proxy alone.
		if role == RoleGateway && !(c.swarm && len(s.DNS) == 0 && len(outside) == 0) {
			dns := d.egressDNSAddrs()
			if len(s.DNS) == 0 || len(dns) == 0 || !slices.ContainsFunc(s.DNS, func(a string) bool { return slices.Contains(dns, a) }) {
				fs.add("NET_GATEWAY_DNS", c.path, at("dns"), fmt.Sprintf("the gateway resolves through %v; egress DNS is at %v", []string(s.DNS), dns))
			}
		}

		// Secrets.
		envNode := yamlNode(c.raw, "services", s.Name, "environment")
		for _, kv := range rawEnvironment(envNode) {
			if isSecretName(kv.name) && kv.value != "" && !strings.Contains(kv.value, "${") && !strings.HasPrefix(kv.value, "$") && !strings.HasPrefix(kv.value, "/") {
				fs.add("SECRET_INLINE", c.path, kv.line, fmt.Sprintf("%s sets %s inline", where, kv.name))
			}
		}
		if c.swarm {
			for name, v := range s.Environment {
				if isSecretName(name) && v != nil && *v != "" && !strings.HasSuffix(strings.ToUpper(name), "_FILE") {
					fs.add("SWARM_SECRET_ENV", c.path, at("environment"), fmt.Sprintf("%s takes %s from its environment", where, name))
				}
			}
		}
		if role == RoleGateway && d.hasProviderGuard() {
			for name, v := range s.Environment {
				if isProviderKeyName(name) && v != nil && *v != "" || isProviderKeyName(name) && v != nil && strings.Contains(rawEnvValue(envNode, name), "${") {
					fs.add("SECRET_PROVIDER_KEY_EXPOSED", c.path, at("environment"), fmt.Sprintf("the gateway's environment holds %s while a provider guard exists", name))
				}
			}
		}
		if c.swarm && role != "" && (s.Deploy == nil || !slices.ContainsFunc(s.Deploy.Placement.Constraints, func(c string) bool {
			return strings.Join(strings.Fields(c), " ") == TrustedNodeConstraint
		})) {
			fs.add("SWARM_PLACEMENT", c.path, at("deploy"), fmt.Sprintf("%s (role %q) may run on any node", where, role))
		}
	}
	for name, sec := range p.Secrets {
		if sec.Content != "" && yamlNode(c.raw, "secrets", name, "content") != nil {
			fs.add("SECRET_INLINE", c.path, yamlLine(c.raw, "secrets", name, "content"), fmt.Sprintf("secret %s is written in the file", name))
		}
	}
}

func checkComposeLimits(fs *findings, c *composeInput, s types.ServiceConfig, at func(...string) int) {
	var lim types.Resource
	if s.Deploy != nil && s.Deploy.Resources.Limits != nil {
		lim = *s.Deploy.Resources.Limits
	}
	var missing []string
	if s.MemLimit == 0 && lim.MemoryBytes == 0 {
		missing = append(missing, "memory")
	}
	if s.CPUS == 0 && lim.NanoCPUs == 0 {
		missing = append(missing, "cpus")
	}
	if s.PidsLimit <= 0 && lim.Pids <= 0 {
		missing = append(missing, "pids")
	}
	if len(missing) > 0 {
		line := at("deploy")
		if s.Deploy == nil {
			line = at()
		}
		fs.add("CTR_RESOURCE_LIMITS", c.path, line, fmt.Sprintf("service %s has no %s limit", s.Name, strings.Join(missing, ", ")))
	}
}

// serviceOutsideNetworks lists the service's networks that are not internal
// (the default network is not).
func serviceOutsideNetworks(p *types.Project, s types.ServiceConfig) []string {
	if s.NetworkMode == "none" || strings.HasPrefix(s.NetworkMode, "service:") || strings.HasPrefix(s.NetworkMode, "container:") {
		return nil
	}
	if s.NetworkMode == "host" {
		return []string{"host"}
	}
	var out []string
	if len(s.Networks) == 0 {
		return []string{"default"}
	}
	for n := range s.Networks {
		if net, ok := p.Networks[n]; !ok || !net.Internal {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

type rawKV struct {
	name, value string
	line        int
}

// rawEnvironment reads a service's environment as written, before
// interpolation, in either the map or the list form.
func rawEnvironment(n *yaml.Node) []rawKV {
	if n == nil {
		return nil
	}
	var out []rawKV
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			out = append(out, rawKV{n.Content[i].Value, n.Content[i+1].Value, n.Content[i].Line})
		}
	case yaml.SequenceNode:
		for _, it := range n.Content {
			k, v, _ := strings.Cut(it.Value, "=")
			out = append(out, rawKV{k, v, it.Line})
		}
	}
	return out
}

func rawEnvValue(n *yaml.Node, name string) string {
	for _, kv := range rawEnvironment(n) {
		if kv.name == name {
			return kv.value
		}
	}
	return ""
}
