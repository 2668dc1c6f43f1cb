package shellrisk

import (
	"path"
	"regexp"
	"strings"
)

// Red team round 3: the gateway's port forwarded rather than tunnelled, and
// the secret stores copied, synced or shared whole rather than read file by
// file. Both publish what the guards protect without a command that reads
// a store by name or sends to a known endpoint.

// forwardsGateway judges port forwarders that make the gateway's port
// reachable from elsewhere: socat between a listener (or an outbound
// connection) and the gateway, ncat brokering connections to it, ssh
// remote forwards however they are spelled (and a reverse SOCKS proxy,
// which reaches every loopback port), chisel and frp clients. A
// forwarder's visitors arrive at the gateway from loopback, around the
// guard; with trusted-proxy auth they also choose the user header.
func (j *judge) forwardsGateway(c cmd) {
	how := ""
	switch c.name {
	case "socat":
		var addrs []string
		for _, a := range c.args {
			if a != "-" && strings.HasPrefix(a, "-") {
				continue
			}
			addrs = append(addrs, a)
		}
		if len(addrs) == 2 {
			for k, a := range addrs {
				if socatConnects(a) && gatewayPort(socatHostPort(a)) && loopbackHost(socatHostPort(a)) && socatNetwork(addrs[1-k]) {
					how = "socat"
				}
			}
		}
	case "ncat", "nc", "netcat":
		for k, a := range c.args {
			if k+1 < len(c.args) && (a == "--sh-exec" || a == "--exec" || a == "-e" || c.name == "ncat" && a == "-c") {
				if mentionsGatewayPort(c.args[k+1]) {
					how = c.name + " " + a
				}
			}
		}
		if c.name == "ncat" && c.hasFlag('c', "--sh-exec") {
			// ncat -c is --sh-exec: a shell command per connection.
			j.report(RuleReverseShell, SeverityCritical, "%s hands a shell command to a network peer", c.name)
		}
	case "ssh", "autossh":
		for _, f := range sshForwards(c.args) {
			switch {
			case f.remote && gatewayPort(f.spec):
				how = "ssh -R"
			case f.remote && socksSpec.MatchString(f.spec):
				j.report(RuleExfilEndpoint, SeverityHigh, "ssh -R %s opens a reverse SOCKS proxy: the remote end reaches every loopback service, the gateway's port among them", f.spec)
			}
		}
	case "chisel":
		if firstOperand(c.args) == "client" {
			for _, a := range c.args {
				if strings.HasPrefix(strings.ToUpper(a), "R:") && gatewayPort(a) {
					how = "chisel " + a
				}
			}
		}
	case "frpc", "rathole", "inlets", "pagekite", "pagekite.py", "expose", "telebit", "tunnelto", "sish":
		for _, a := range c.args {
			if gatewayPort(a) || gatewayPort(strings.TrimPrefix(a, "--local_port=")) || gatewayPort(strings.TrimPrefix(a, "--local-port=")) {
				how = c.name
			}
		}
	}
	if how != "" {
		j.report(RuleExfilEndpoint, SeverityHigh, "%s forwards the gateway's port: its visitors arrive from loopback, around the guard", how)
	}
}

// socksSpec is a remote forward with no destination (ssh -R [bind:]port):
// ssh then acts as a SOCKS proxy on this machine for the remote end.
var socksSpec = regexp.MustCompile(`^(?:[^:]*:)?[0-9]+$`)

func mentionsGatewayPort(s string) bool {
	for _, p := range GatewayPorts {
		for i := strings.Index(s, p); i >= 0; {
			before, after := byte(' '), byte(' ')
			if i > 0 {
				before = s[i-1]
			}
			if i+len(p) < len(s) {
				after = s[i+len(p)]
			}
			if !isDigit(before) && !isDigit(after) {
				return true
			}
			k := strings.Index(s[i+1:], p)
			if k < 0 {
				break
			}
			i += 1 + k
		}
	}
	return false
}

// loopbackHost reports a host:port whose host is this machine (or none).
func loopbackHost(hostPort string) bool {
	h := hostPort
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.ToLower(strings.Trim(h, "[]"))
	return h == "" || h == "localhost" || h == "::1" || h == "0" || h == "0.0.0.0" || h == "::" || strings.HasPrefix(h, "127.") || strings.HasSuffix(h, ".localhost")
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// socatType is the address type of a socat address (TCP-LISTEN, OPENSSL),
// upper-cased; socatHostPort its host:port or port, without options.
func socatType(a string) string {
	t, _, _ := strings.Cut(a, ":")
	t, _, _ = strings.Cut(t, ",")
	return strings.ToUpper(t)
}

func socatHostPort(a string) string {
	_, rest, _ := strings.Cut(a, ":")
	rest, _, _ = strings.Cut(rest, ",")
	return rest
}

// socatConnects: an address that connects to a host and port.
func socatConnects(a string) bool {
	switch socatType(a) {
	case "TCP", "TCP4", "TCP6", "TCP-CONNECT", "TCP4-CONNECT", "TCP6-CONNECT", "OPENSSL", "OPENSSL-CONNECT", "SSL":
		return true
	}
	return false
}

// socatNetwork: an address on the network (a listener or a connection),
// not the terminal, a file or a program.
func socatNetwork(a string) bool {
	t := socatType(a)
	return socatConnects(a) || strings.Contains(t, "LISTEN") || strings.HasPrefix(t, "UDP") ||
		strings.HasPrefix(t, "SCTP") || strings.HasPrefix(t, "SOCKS") || strings.HasPrefix(t, "PROXY") || t == "VSOCK-LISTEN"
}

type sshForward struct {
	remote bool
	spec   string
}

// sshForwards lists ssh's port forwards: -L and -R in any flag cluster
// (-fNR spec, -R9000:h:p) and the LocalForward and RemoteForward options,
// also after the host (ssh reads options until the remote command).
func sshForwards(args []string) []sshForward {
	var out []sshForward
	host := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if host {
				break // the remote command
			}
			host = true
			continue
		}
		for k := 1; k < len(a); k++ {
			letter := a[k]
			if !strings.ContainsRune("BbcDEeFIiJLlmOopQRSWw", rune(letter)) {
				continue
			}
			val := a[k+1:]
			if val == "" && i+1 < len(args) {
				i++
				val = args[i]
			}
			switch letter {
			case 'L', 'R':
				out = append(out, sshForward{remote: letter == 'R', spec: val})
			case 'o':
				key, v, ok := strings.Cut(val, "=")
				if !ok {
					key, v, _ = strings.Cut(strings.TrimSpace(val), " ")
				}
				switch strings.ToLower(strings.TrimSpace(key)) {
				case "remoteforward":
					// "9000 localhost:18789": listen, then destination.
					out = append(out, sshForward{remote: true, spec: strings.Join(strings.Fields(v), ":")})
				case "localforward":
					out = append(out, sshForward{spec: strings.Join(strings.Fields(v), ":")})
				}
			}
			break // the rest of the cluster was the value
		}
	}
	return out
}

// storeFiles are where the secret stores live, as HoldsStores looks for
// them under a directory.
var storeFiles = secretFiles

// HoldsStores reports a directory that holds secret stores: the root, the
// homes, a home, ~/.openclaw (the gateway token, provider keys, the
// agents' auth profiles) and the stores' own directories (~/.ssh, ~/.aws,
// ~/.config), and says which. The agent's workspace does not.
func HoldsStores(dir string) (string, bool) {
	dir = homeForm(path.Clean(strings.TrimSuffix(strings.TrimSpace(dir), "/*")))
	if dir == "~" || exposesHome(dir) {
		if what, _, ok := CredPath(dir); ok {
			return what, true
		}
		return "the home directory", true
	}
	for _, f := range storeFiles {
		if strings.HasPrefix(f, dir+"/") {
			if what, _, ok := CredPath(f); ok {
				return what + " under " + dir, true
			}
			return f, true
		}
	}
	return "", false
}

// homeForm writes a path in a home directory from ~: $HOME/x, ${HOME}/x,
// /root/x, /home/u/x and /Users/u/x all become ~/x.
func homeForm(p string) string {
	for _, h := range []string{"$HOME", "${HOME}", "/root", "/var/root"} {
		if p == h || strings.HasPrefix(p, h+"/") {
			return "~" + p[len(h):]
		}
	}
	for _, h := range []string{"/home/", "/Users/"} {
		if rest, ok := strings.CutPrefix(p, h); ok && rest != "" {
			if i := strings.IndexByte(rest, '/'); i > 0 {
				return "~" + rest[i:]
			}
			return "~"
		}
	}
	return p
}

// remoteSpec reports an scp or rsync operand on another machine:
// [user@]host:path, host::module, rsync:// or scp://.
func remoteSpec(a string) bool {
	if strings.HasPrefix(a, "rsync://") || strings.HasPrefix(a, "scp://") || strings.HasPrefix(a, "sftp://") {
		return true
	}
	i := strings.IndexByte(a, ':')
	if i <= 0 || strings.ContainsRune(a[:i], '/') {
		return false
	}
	return i > 1 || !isLetter(a[0]) // C:\ is a drive
}

func isLetter(b byte) bool { return 'a' <= b|0x20 && b|0x20 <= 'z' }

// rcloneRemote: remote:path or :backend:path (rclone's syntax).
var rcloneRemote = regexp.MustCompile(`^(?::[A-Za-z0-9_-]+|[A-Za-z0-9_][A-Za-z0-9_. -]*[A-Za-z0-9_-]):`)

// operandsAfter lists the operands of args, skipping the values of the
// options in valued (" -P -i ").
func operandsAfter(args []string, valued string) []string {
	var ops []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			ops = append(ops, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			ops = append(ops, a)
			continue
		}
		if strings.Contains(a, "=") {
			continue
		}
		if strings.Contains(valued, " "+a+" ") || len(a) > 1 && a[1] != '-' && strings.Contains(valued, " -"+a[len(a)-1:]+" ") {
			i++
		}
	}
	return ops
}

// sharesStores judges commands that copy, sync, serve or version a
// directory holding the secret stores with another machine: scp and rsync
// to a host, rclone to a remote (or rclone serve), aws s3 / gsutil / azcopy
// to a bucket, restic and borg to a remote repository, syncthing sharing a
// folder, and git adding it to a repository (which a push then sends).
// Copies on this machine (a backup disk) and of a project pass.
func (j *judge) sharesStores(c cmd) {
	var srcs []string
	to := ""
	switch c.name {
	case "scp", "rsync":
		valued := " -P -i -o -F -c -l -S -J -e -f -M -T -B "
		if c.name == "rsync" {
			valued = " -e -f -M -T -B --rsh --rsync-path --exclude --include --filter --exclude-from --include-from --files-from --log-file --password-file --port --temp-dir --partial-dir --compare-dest --copy-dest --link-dest --backup-dir --suffix --chmod --chown --usermap --groupmap --timeout --contimeout --bwlimit --max-size --min-size --out-format "
		}
		ops := operandsAfter(c.args, valued)
		if len(ops) >= 2 && remoteSpec(ops[len(ops)-1]) {
			to = ops[len(ops)-1]
			for _, s := range ops[:len(ops)-1] {
				if !remoteSpec(s) {
					srcs = append(srcs, s)
				}
			}
		}
	case "rclone":
		ops := operandsAfter(c.args, " --config --filter --exclude --include --filter-from --exclude-from --include-from --files-from --addr --user --pass --log-file --transfers --checkers --bwlimit --max-age --min-age --max-size --min-size --backup-dir --suffix ")
		if len(ops) >= 1 {
			switch ops[0] {
			case "copy", "sync", "move", "copyto", "moveto", "bisync":
				if len(ops) >= 3 && rcloneRemote.MatchString(ops[2]) && !rcloneRemote.MatchString(ops[1]) {
					srcs, to = ops[1:2], ops[2]
				}
			case "serve":
				if len(ops) >= 3 && !rcloneRemote.MatchString(ops[2]) {
					srcs, to = ops[2:3], "the network (rclone serve "+ops[1]+")"
				}
			}
		}
	case "aws", "gsutil", "gcloud", "azcopy":
		ops := operandsAfter(c.args, " --profile --region --endpoint-url --exclude --include --storage-class --acl --sse --project -h -o ")
		for k, o := range ops {
			if k+1 >= len(ops) {
				break
			}
			switch o {
			case "cp", "sync", "mv", "rsync", "copy":
				for _, s := range ops[k+1:] {
					if strings.Contains(s, "://") {
						to = s
					} else {
						srcs = append(srcs, s)
					}
				}
			}
			if to != "" {
				break
			}
			srcs = nil
		}
	case "restic":
		repo := j.vars["RESTIC_REPOSITORY"]
		if v, ok := c.shortValue('r'); ok {
			repo = v
		} else if v, ok := c.flagValue("--repo"); ok {
			repo = v
		}
		ops := operandsAfter(c.args, " -r --repo --password-file --exclude --exclude-file --iexclude --tag --host --files-from --cache-dir -o --option ")
		if len(ops) >= 2 && ops[0] == "backup" && resticRemote.MatchString(repo) {
			srcs, to = ops[1:], repo
		}
	case "borg", "borgbackup":
		ops := operandsAfter(c.args, " --exclude --exclude-from --pattern --patterns-from -e --comment --compression -C --rsh --remote-path ")
		if len(ops) >= 3 && ops[0] == "create" {
			repo, _, _ := strings.Cut(ops[1], "::")
			if strings.HasPrefix(repo, "ssh://") || remoteSpec(repo) {
				srcs, to = ops[2:], repo
			}
		}
	case "syncthing":
		if v, ok := c.flagValue("--path"); ok && strings.Contains(strings.Join(c.args, " "), "folders") {
			srcs, to = []string{v}, "syncthing's devices"
		}
	case "git":
		j.gitAddsStores(c)
		return
	}
	for _, s := range srcs {
		if what, ok := HoldsStores(j.resolve(s)); ok {
			j.report(RuleCredFile, SeverityHigh, "%s copies %s, which holds %s, to %s", c.name, s, what, to)
			return
		}
	}
}

// resticRemote: a restic repository on another machine or a cloud store.
var resticRemote = regexp.MustCompile(`^(?:sftp|rest|s3|b2|azure|gs|swift|rclone):`)

// gitAddsStores judges git add (and commit -a) in a work tree that holds
// the stores: a repository of ~/.openclaw or of a home, which a push sends
// wherever its remote says. The work tree is --work-tree, GIT_WORK_TREE,
// -C's directory or the working directory.
func (j *judge) gitAddsStores(c cmd) {
	tree, dir := j.vars["GIT_WORK_TREE"], j.cwd
	if dir == "" {
		dir = DefaultWorkspace
	}
	i := 0
	for i < len(c.args) && strings.HasPrefix(c.args[i], "-") {
		a := c.args[i]
		switch {
		case a == "-C" && i+1 < len(c.args):
			dir = j.follow(ResolvePath(dir, c.args[i+1]))
			i += 2
		case a == "--work-tree" && i+1 < len(c.args):
			tree = c.args[i+1]
			i += 2
		case strings.HasPrefix(a, "--work-tree="):
			tree = strings.TrimPrefix(a, "--work-tree=")
			i++
		case (a == "--git-dir" || a == "--namespace" || a == "-c") && i+1 < len(c.args):
			i += 2
		default:
			i++
		}
	}
	if i >= len(c.args) {
		return
	}
	sub, rest := c.args[i], c.args[i+1:]
	base := dir
	if tree != "" {
		base = ResolvePath(base, tree)
	}
	var picks []string
	switch sub {
	case "add", "stage":
		for _, a := range rest {
			switch a {
			case "-A", "--all", "-f", "--force", ".", "*", ":/", "--":
				if a != "-f" && a != "--force" && a != "--" {
					picks = append(picks, ".")
				}
			default:
				if !strings.HasPrefix(a, "-") {
					picks = append(picks, a)
				}
			}
		}
	case "commit":
		if commitsAll(rest) {
			picks = append(picks, ".")
		}
	default:
		return
	}
	for _, p := range picks {
		if what, ok := HoldsStores(ResolvePath(base, p)); ok {
			j.report(RuleCredFile, SeverityHigh, "git %s puts %s under version control (%s): a push sends it to the remote", sub, ResolvePath(base, p), what)
			return
		}
	}
}

// commitsAll: git commit -a / --all.
func commitsAll(args []string) bool {
	for _, a := range args {
		if a == "--all" || len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.ContainsRune(a[1:], 'a') && !strings.ContainsAny(a[1:], "mFCc") {
			return true
		}
	}
	return false
}

// packsStores says what stores an archiver puts in the archive it writes
// (tar c, zip, 7z a, cpio is fed names and is not read): a directory that
// holds them, "" otherwise. Where the archive goes decides whether that
// matters (piped to the network, it is sent).
func (j *judge) packsStores(c cmd) string {
	base := j.cwd
	switch c.name {
	case "tar", "bsdtar", "gtar":
		if len(c.args) == 0 {
			return ""
		}
		first := c.args[0]
		if !(strings.HasPrefix(first, "-") && c.hasFlag('c', "--create") || !strings.HasPrefix(first, "-") && strings.ContainsRune(first, 'c')) {
			return ""
		}
		for k := 1; k < len(c.args); k++ {
			a := c.args[k]
			switch {
			case a == "-C" || a == "--directory":
				if k+1 < len(c.args) {
					base = j.follow(ResolvePath(base, c.args[k+1]))
					k++
				}
			case a == "-f" || a == "--file" || a == "--exclude" || a == "-X" || a == "-T" || a == "--files-from":
				k++
			case strings.HasPrefix(a, "-"):
			default:
				if k == 1 && !strings.HasPrefix(first, "-") && strings.ContainsRune(first, 'f') {
					continue // the archive, from the old-style f
				}
				if what, ok := HoldsStores(j.follow(ResolvePath(base, a))); ok {
					return what
				}
			}
		}
	case "zip", "7z", "7za", "7zz":
		ops := operandsAfter(c.args, " -x -i -P -b -t -tt -n ")
		if c.name != "zip" {
			if len(ops) == 0 || ops[0] != "a" {
				return ""
			}
			ops = ops[1:]
		}
		if len(ops) < 2 {
			return ""
		}
		for _, a := range ops[1:] {
			if what, ok := HoldsStores(j.resolve(a)); ok {
				return what
			}
		}
	}
	return ""
}

// socatRunsProgram: a socat address that runs a program (EXEC:, SYSTEM:),
// whose input and output are the other address's.
func socatRunsProgram(args []string) bool {
	for _, a := range args {
		if t := socatType(a); t == "EXEC" || t == "SYSTEM" {
			return true
		}
	}
	return false
}
