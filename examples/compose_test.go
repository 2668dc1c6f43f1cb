// Package examples checks the deployment examples statically: no Docker engine
// runs here, so the topology is read from the files and the Caddyfile is
// adapted by the real bin/caddy.
package examples

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/openclaw-secure-stack/securestack/internal/testbin"
)

type composeFile struct {
	Services map[string]struct {
		Ports       []string          `yaml:"ports"`
		Networks    map[string]any    `yaml:"networks"`
		NetworkMode string            `yaml:"network_mode"`
		ReadOnly    bool              `yaml:"read_only"`
		CapDrop     []string          `yaml:"cap_drop"`
		CapAdd      []string          `yaml:"cap_add"`
		SecurityOpt []string          `yaml:"security_opt"`
		Privileged  bool              `yaml:"privileged"`
		User        string            `yaml:"user"`
		Environment map[string]string `yaml:"environment"`
	} `yaml:"services"`
	Networks map[string]struct {
		Internal bool `yaml:"internal"`
	} `yaml:"networks"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("compose/docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml has no services")
	}
	return c
}

func TestComposeExposesOnlyTheGuard(t *testing.T) {
	c := readCompose(t)
	for name, s := range c.Services {
		if name != "guard" && len(s.Ports) > 0 {
			t.Errorf("service %s publishes ports %v: only the guard may", name, s.Ports)
		}
		if s.NetworkMode == "host" {
			t.Errorf("service %s uses the host network", name)
		}
	}
	guard := c.Services["guard"]
	if len(guard.Ports) == 0 {
		t.Fatal("the guard publishes no port")
	}
	for _, p := range guard.Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("the guard publishes %q on every host interface; bind it to 127.0.0.1", p)
		}
	}
	gw, ok := c.Services["gateway"]
	if !ok {
		t.Fatal("no gateway service")
	}
	if _, ok := gw.Networks["edge"]; ok {
		t.Error("the gateway is on the edge network with the published guard")
	}
	if _, ok := gw.Networks["internal"]; !ok || !c.Networks["internal"].Internal {
		t.Error("the gateway must reach the guard over an `internal: true` network")
	}
	if _, ok := gw.Environment["OPENCLAW_GATEWAY_TOKEN"]; !ok {
		t.Error("the gateway has no token: it would refuse to bind beyond loopback, or run open")
	}
}

func TestComposeServicesAreHardened(t *testing.T) {
	for name, s := range readCompose(t).Services {
		if !s.ReadOnly {
			t.Errorf("%s: read_only is not set", name)
		}
		if !slices.Contains(s.CapDrop, "ALL") || len(s.CapAdd) > 0 {
			t.Errorf("%s: cap_drop %v, cap_add %v; want ALL dropped, none added", name, s.CapDrop, s.CapAdd)
		}
		if !slices.Contains(s.SecurityOpt, "no-new-privileges:true") {
			t.Errorf("%s: no-new-privileges is not set", name)
		}
		if s.Privileged {
			t.Errorf("%s is privileged", name)
		}
		if s.User == "" || s.User == "0" || strings.HasPrefix(s.User, "0:") || s.User == "root" {
			t.Errorf("%s runs as root (user %q)", name, s.User)
		}
	}
}

func TestComposeGatewayConfig(t *testing.T) {
	b, err := os.ReadFile("compose/openclaw.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Gateway struct {
			Auth           struct{ Mode string }
			TrustedProxies []string
		}
		Security struct {
			InstallPolicy struct {
				Enabled bool
				Exec    struct {
					Command string
					Args    []string
				}
			}
		}
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("openclaw.json: %v", err)
	}
	if cfg.Gateway.Auth.Mode != "token" {
		t.Errorf("gateway auth mode %q, want token", cfg.Gateway.Auth.Mode)
	}
	if !slices.Equal(cfg.Gateway.TrustedProxies, []string{"172.30.0.2"}) {
		t.Errorf("trustedProxies %v: trust the guard's address only", cfg.Gateway.TrustedProxies)
	}
	compose, _ := os.ReadFile("compose/docker-compose.yml")
	if !strings.Contains(string(compose), "ipv4_address: 172.30.0.2") {
		t.Error("the guard's fixed address in docker-compose.yml does not match trustedProxies")
	}
	p := cfg.Security.InstallPolicy
	if !p.Enabled || p.Exec.Command != "/usr/local/bin/quarantine" || !slices.Equal(p.Exec.Args, []string{"policy"}) {
		t.Errorf("installPolicy = %+v; want quarantine policy", p)
	}
}

// TestComposeCaddyfileAdapts runs the real bin/caddy's Caddyfile adapter on
// the example and checks the guard comes before reverse_proxy.
func TestComposeCaddyfileAdapts(t *testing.T) {
	cmd := exec.Command(testbin.Path(t, "caddy"), "adapt", "--adapter", "caddyfile", "--config", "compose/Caddyfile")
	cmd.Env = append(os.Environ(), "OPENCLAW_GATEWAY_TOKEN=example-token-0123456789")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("caddy adapt: %v\n%s", err, out)
	}
	s := string(out)
	guard, proxy := strings.Index(s, `"handler":"openclaw_guard"`), strings.Index(s, `"handler":"reverse_proxy"`)
	if guard < 0 || proxy < 0 || guard > proxy {
		t.Fatalf("adapted config does not run openclaw_guard before reverse_proxy:\n%s", s)
	}
}
