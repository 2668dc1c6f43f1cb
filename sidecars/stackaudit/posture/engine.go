package posture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The engine checks speak the Docker Engine API (which Podman serves too)
// over its unix socket, with the standard library: `docker inspect` and
// `docker service inspect` print these same objects.

// ContainerInspect is the part of GET /containers/{id}/json the checks read.
type ContainerInspect struct {
	ID     string `json:"Id"`
	Name   string `json:"Name"`
	Config struct {
		User   string            `json:"User"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
	HostConfig struct {
		ReadonlyRootfs bool     `json:"ReadonlyRootfs"`
		CapAdd         []string `json:"CapAdd"`
		CapDrop        []string `json:"CapDrop"`
		SecurityOpt    []string `json:"SecurityOpt"`
		Privileged     bool     `json:"Privileged"`
		NetworkMode    string   `json:"NetworkMode"`
		PortBindings   map[string][]struct {
			HostIP   string `json:"HostIp"`
			HostPort string `json:"HostPort"`
		} `json:"PortBindings"`
		PidMode    string `json:"PidMode"`
		IpcMode    string `json:"IpcMode"`
		UsernsMode string `json:"UsernsMode"`
	} `json:"HostConfig"`
	Mounts []struct {
		Type   string `json:"Type"`
		Source string `json:"Source"`
		RW     bool   `json:"RW"`
	} `json:"Mounts"`
}

// ContainerProblems lists how a running container falls short of the
// hardening the examples declare.
func ContainerProblems(c ContainerInspect) []string {
	var out []string
	role := c.Config.Labels[LabelRole]
	h := c.HostConfig
	if !h.ReadonlyRootfs {
		out = append(out, "its root file system is writable")
	}
	if !slices.ContainsFunc(h.CapDrop, func(s string) bool { return strings.EqualFold(s, "ALL") }) {
		out = append(out, "it does not drop ALL capabilities")
	}
	if len(h.CapAdd) > 0 && strings.TrimSpace(c.Config.Labels[LabelCapJustification]) == "" {
		out = append(out, fmt.Sprintf("it adds %s with no justification label", strings.Join(h.CapAdd, ", ")))
	}
	if !hasNoNewPrivileges(h.SecurityOpt) {
		out = append(out, "no-new-privileges is off")
	}
	if isRootUser(c.Config.User) {
		out = append(out, fmt.Sprintf("it runs as %q (root)", c.Config.User))
	}
	if h.Privileged {
		out = append(out, "it is privileged")
	}
	for k, v := range map[string]string{"network": h.NetworkMode, "pid": h.PidMode, "ipc": h.IpcMode, "userns": h.UsernsMode} {
		if v == "host" {
			out = append(out, "it shares the host's "+k+" namespace")
		}
	}
	for port, binds := range h.PortBindings {
		for _, b := range binds {
			switch {
			case role != RoleGuard:
				out = append(out, fmt.Sprintf("it publishes %s on the host (%s:%s): only the guard may", port, b.HostIP, b.HostPort))
			case (b.HostIP == "" || b.HostIP == "0.0.0.0" || b.HostIP == "::") && c.Config.Labels[LabelPublish] != "public":
				out = append(out, fmt.Sprintf("it publishes %s on every host address", port))
			}
		}
	}
	for _, m := range c.Mounts {
		if m.Type == "bind" && isSocketMount(m.Source) && (role != RoleSocketProxy || m.RW) {
			out = append(out, "it mounts "+m.Source)
		}
	}
	slices.Sort(out)
	return out
}

// ServiceInspect is the part of GET /services the checks read.
type ServiceInspect struct {
	ID   string `json:"ID"`
	Spec struct {
		Name         string            `json:"Name"`
		Labels       map[string]string `json:"Labels"`
		TaskTemplate struct {
			ContainerSpec struct {
				Labels map[string]string `json:"Labels"`
			} `json:"ContainerSpec"`
			Placement struct {
				Constraints []string `json:"Constraints"`
			} `json:"Placement"`
		} `json:"TaskTemplate"`
	} `json:"Spec"`
}

type taskInspect struct {
	ID           string `json:"ID"`
	ServiceID    string `json:"ServiceID"`
	NodeID       string `json:"NodeID"`
	DesiredState string `json:"DesiredState"`
	Status       struct {
		State string `json:"State"`
	} `json:"Status"`
}

type nodeInspect struct {
	ID   string `json:"ID"`
	Spec struct {
		Labels map[string]string `json:"Labels"`
	} `json:"Spec"`
	Description struct {
		Hostname string `json:"Hostname"`
	} `json:"Description"`
}

// engineClient talks to the engine's unix socket.
type engineClient struct {
	socket string
	http   *http.Client
}

func newEngineClient(socket string) *engineClient {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", socket)
	}}
	return &engineClient{socket: socket, http: &http.Client{Transport: tr}}
}

func (e *engineClient) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://engine"+path, nil)
	if err != nil {
		return err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, v)
}

// engineSocket picks the engine's socket.
func engineSocket(l *LiveOptions) (string, error) {
	cands := []string{l.Engine}
	if l.Engine == "" {
		cands = []string{os.Getenv("DOCKER_HOST"), os.Getenv("CONTAINER_HOST"), "/var/run/docker.sock", "/run/podman/podman.sock"}
		if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" {
			cands = append(cands, filepath.Join(x, "podman", "podman.sock"))
		}
	}
	var tried []string
	for _, c := range cands {
		if c == "" {
			continue
		}
		p := c
		if strings.Contains(c, "://") {
			u, err := url.Parse(c)
			if err != nil || u.Scheme != "unix" {
				tried = append(tried, c+" (only unix sockets are supported)")
				continue
			}
			p = u.Path
		}
		if st, err := os.Stat(p); err == nil && st.Mode()&os.ModeSocket != 0 {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("no Docker or Podman API socket (tried %s)", strings.Join(tried, ", "))
}

func (a *Auditor) liveEngine(ctx context.Context, fs *findings, l *LiveOptions) {
	swarm := slices.ContainsFunc(a.composes, func(c *composeInput) bool { return c.swarm })
	wanted := l.EngineRequired || len(a.composes) > 0
	if !wanted {
		return
	}
	if l.NoEngine {
		a.fail("engine", errors.New("skipped (--no-engine): the running containers were not checked"))
		return
	}
	sock, err := engineSocket(l)
	if err != nil {
		a.fail("engine", err)
		return
	}
	e := newEngineClient(sock)
	var ping any
	if err := e.get(ctx, "/version", &ping); err != nil {
		a.fail("engine", fmt.Errorf("%s does not answer: %w", sock, err))
		return
	}
	projects := map[string]bool{}
	for _, c := range a.composes {
		projects[c.project.Name] = true
	}
	var list []struct {
		ID     string            `json:"Id"`
		Labels map[string]string `json:"Labels"`
	}
	if err := e.get(ctx, "/containers/json", &list); err != nil {
		a.fail("engine", err)
		return
	}
	for _, c := range list {
		if c.Labels[LabelRole] == "" && !projects[c.Labels["com.docker.compose.project"]] && c.Labels["com.docker.stack.namespace"] == "" {
			continue
		}
		var ins ContainerInspect
		if err := e.get(ctx, "/containers/"+url.PathEscape(c.ID)+"/json", &ins); err != nil {
			a.fail("engine", err)
			continue
		}
		for _, p := range ContainerProblems(ins) {
			fs.add("LIVE_ENGINE_HARDENING", "", 0, fmt.Sprintf("container %s: %s", strings.TrimPrefix(ins.Name, "/"), p))
		}
	}
	if !swarm {
		return
	}
	var info struct {
		Swarm struct {
			LocalNodeState   string `json:"LocalNodeState"`
			ControlAvailable bool   `json:"ControlAvailable"`
		} `json:"Swarm"`
	}
	if err := e.get(ctx, "/info", &info); err != nil {
		a.fail("swarm", err)
		return
	}
	if info.Swarm.LocalNodeState != "active" || !info.Swarm.ControlAvailable {
		a.fail("swarm", fmt.Errorf("this engine is not a Swarm manager (state %q): run the audit on a manager", info.Swarm.LocalNodeState))
		return
	}
	var services []ServiceInspect
	if err := e.get(ctx, "/services", &services); err != nil {
		a.fail("swarm", err)
		return
	}
	nodes := map[string]nodeInspect{}
	for _, s := range services {
		role := s.Spec.Labels[LabelRole]
		if role == "" {
			role = s.Spec.TaskTemplate.ContainerSpec.Labels[LabelRole]
		}
		if role == "" {
			continue
		}
		if !slices.ContainsFunc(s.Spec.TaskTemplate.Placement.Constraints, func(c string) bool {
			return strings.Join(strings.Fields(c), " ") == TrustedNodeConstraint
		}) {
			fs.add("LIVE_PLACEMENT", "", 0, fmt.Sprintf("service %s (role %s) has no %q constraint", s.Spec.Name, role, TrustedNodeConstraint))
		}
		filter := url.QueryEscape(fmt.Sprintf(`{"service":{%q:true},"desired-state":{"running":true}}`, s.ID))
		var tasks []taskInspect
		if err := e.get(ctx, "/tasks?filters="+filter, &tasks); err != nil {
			a.fail("swarm", err)
			continue
		}
		for _, t := range tasks {
			if t.NodeID == "" {
				continue
			}
			n, ok := nodes[t.NodeID]
			if !ok {
				if err := e.get(ctx, "/nodes/"+url.PathEscape(t.NodeID), &n); err != nil {
					a.fail("swarm", err)
					continue
				}
				nodes[t.NodeID] = n
			}
			if n.Spec.Labels["openclaw.trusted"] != "true" {
				fs.add("LIVE_PLACEMENT", "", 0, fmt.Sprintf("task %s of service %s runs on node %s, which is not labelled openclaw.trusted=true", t.ID, s.Spec.Name, n.Description.Hostname))
			}
		}
	}
}
