package shellrisk

import "regexp"

// The lists below are the one copy of the stack's knowledge of dangerous
// commands and places. The scanner (cgo, tree-sitter) reads them for skill
// files; Judge (pure Go) reads them for the commands a model asks OpenClaw to
// run. Change them here and both change.

// Interpreters run text as code: a script file, -c, or their stdin.
var Interpreters = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "fish": true,
	"python": true, "python2": true, "python3": true, "perl": true, "ruby": true, "node": true, "php": true,
	"osascript": true, "pwsh": true, "powershell": true, "deno": true, "bun": true, "lua": true,
	"iex": true, "invoke-expression": true} // PowerShell's, in a fence labelled as shell

// Downloaders fetch URLs.
var Downloaders = map[string]bool{"curl": true, "wget": true, "fetch": true, "aria2c": true, "http": true,
	"https": true, "iwr": true, "irm": true, "invoke-webrequest": true, "invoke-restmethod": true, "lwp-download": true}

// NetTools open network connections other than HTTP downloads.
var NetTools = map[string]bool{"nc": true, "ncat": true, "netcat": true, "socat": true, "telnet": true,
	"nslookup": true, "dig": true, "host": true, "ssh": true, "scp": true, "sftp": true, "rsync": true, "ftp": true}

// Prefixes run the command that follows them (sudo, env, nohup...); their
// own options and NAME=value words are skipped to find it.
var Prefixes = map[string]bool{"sudo": true, "env": true, "nohup": true, "setsid": true, "exec": true, "time": true,
	"command": true, "builtin": true, "doas": true, "nice": true, "caffeinate": true, "xargs": true,
	"timeout": true, "busybox": true, "toybox": true, "stdbuf": true, "ionice": true, "chrt": true, "taskset": true,
	"unbuffer": true, "runuser": true, "flock": true}

// prefixValueFlags are the options of a prefix that take the next word as
// their value (sudo -u root, nice -n 5, xargs -I {}), and prefixOperands
// the operands a prefix takes before the command (timeout 60, taskset
// 0x3, chrt 10, flock /tmp/lock).
var (
	prefixValueFlags = map[string]string{"sudo": "-u -g -h -p -C -D -r -t -U -T", "doas": "-u -C", "nice": "-n --adjustment",
		"xargs": "-I -n -P -L -s -d -E -a --max-args --max-procs --delimiter --arg-file", "timeout": "-s -k --signal --kill-after",
		"ionice": "-c -n -p -t", "stdbuf": "-i -o -e", "env": "-u -C --unset --chdir", "runuser": "-u -g -G",
		"flock": "-w -E --timeout --conflict-exit-code", "exec": "-a"}
	prefixOperands = map[string]int{"timeout": 1, "taskset": 1, "chrt": 1, "flock": 1}
)

// Runners open or install a file: running a download with them is running
// the download.
var Runners = map[string]bool{"open": true, "hdiutil": true, "installer": true, "msiexec": true, "start": true}

// Installers are package managers whose install commands name packages.
var Installers = map[string]bool{"npm": true, "pnpm": true, "yarn": true, "bun": true, "npx": true, "pip": true,
	"pip3": true, "pipx": true, "uv": true, "brew": true, "go": true, "cargo": true, "gem": true}

// PersistPath matches places where a write installs something that runs (or
// lets someone in) later: shell rc files, LaunchAgents, systemd units, cron,
// authorized_keys.
var PersistPath = regexp.MustCompile(`(?i)\.(?:bash|zsh|ksh)rc\b|\.bash_profile|\.zprofile|\.zshenv|(?:^|/)\.profile\b|Library/Launch(?:Agents|Daemons)|\.config/systemd/user|/etc/systemd/system|/etc/cron|/var/spool/cron|\bcrontab\b|authorized_keys|\.config/autostart|/etc/rc\.local|/etc/profile\.d|\.ssh/rc\b`)

// AgentPersistPath matches the places OpenClaw loads code or instructions
// from on its own, outside its install policy (security.installPolicy):
// managed skills (~/.openclaw/skills, ~/.agents/skills), plugins
// (~/.openclaw/extensions, <workspace>/.openclaw/extensions) and managed
// hooks (~/.openclaw/hooks). A tool call that writes there installs a skill,
// a plugin or a hook handler that no scan has read. The provider guard's
// tool judge reads it; the scanner does not (a skill may ship a helper for
// those places, which the scanner judges by other rules).
var AgentPersistPath = regexp.MustCompile(`(?i)\.(?:openclaw|clawdbot|moltbot)[/\\]+(?:skills|extensions|hooks)(?:[/\\]|$)|\.agents[/\\]+skills(?:[/\\]|$)`)

// SecretNameParts are the words that make an environment variable's name
// the name of a secret (see IsSecretName).
var SecretNameParts = map[string]bool{"KEY": true, "APIKEY": true, "SECRET": true, "TOKEN": true, "PASSWORD": true, "PASSWD": true,
	"PASS": true, "PWD": true, "CREDENTIAL": true, "CREDENTIALS": true, "CREDS": true, "AUTH": true, "PRIVATE": true,
	"SESSION": true, "COOKIE": true, "MNEMONIC": true, "SEED": true, "JWT": true}

// EndpointKinds classifies hosts that attackers use to receive stolen data or
// to serve payloads. Matching is on the host and its parent domains.
var EndpointKinds = map[string]string{
	// request catchers and out-of-band interaction services
	"webhook.site": "request catcher", "requestbin.com": "request catcher", "requestbin.net": "request catcher",
	"pipedream.net": "request catcher", "hookbin.com": "request catcher", "beeceptor.com": "request catcher",
	"requestcatcher.com": "request catcher", "webhook.cool": "request catcher", "interact.sh": "out-of-band interaction service",
	"oast.fun": "out-of-band interaction service", "oast.me": "out-of-band interaction service",
	"oast.pro": "out-of-band interaction service", "oast.live": "out-of-band interaction service",
	"oast.site": "out-of-band interaction service", "oast.online": "out-of-band interaction service",
	"burpcollaborator.net": "out-of-band interaction service", "oastify.com": "out-of-band interaction service",
	"dnslog.cn": "out-of-band interaction service", "ceye.io": "out-of-band interaction service",
	"canarytokens.com": "out-of-band interaction service",
	// tunnels that expose a private machine under a public name
	"ngrok.io": "tunnel", "ngrok.app": "tunnel", "ngrok.dev": "tunnel", "ngrok-free.app": "tunnel",
	"ngrok-free.dev": "tunnel", "bore.pub": "tunnel", "trycloudflare.com": "tunnel", "serveo.net": "tunnel",
	"loca.lt": "tunnel", "localhost.run": "tunnel", "lhr.life": "tunnel", "pinggy.link": "tunnel", "pinggy.io": "tunnel",
	// paste sites and anonymous file drops
	"pastebin.com": "paste site", "glot.io": "paste site", "rentry.co": "paste site", "rentry.org": "paste site",
	"paste.ee": "paste site", "hastebin.com": "paste site", "dpaste.org": "paste site", "dpaste.com": "paste site",
	"termbin.com": "paste site", "paste.rs": "paste site", "controlc.com": "paste site", "justpaste.it": "paste site",
	"privatebin.net": "paste site", "ghostbin.co": "paste site", "pastes.dev": "paste site", "ix.io": "paste site",
	"sprunge.us": "paste site", "paste.gg": "paste site", "pastes.io": "paste site", "bpa.st": "paste site",
	"pastebin.pl": "paste site", "0bin.net": "paste site", "paste.sh": "paste site",
	"transfer.sh": "anonymous file drop", "file.io": "anonymous file drop", "0x0.st": "anonymous file drop",
	"temp.sh": "anonymous file drop", "gofile.io": "anonymous file drop",
}

// PathEndpoint is an endpoint known by host and path prefix.
type PathEndpoint struct{ Host, Path, Kind string }

// PathEndpoints are endpoints on hosts that also serve other things.
var PathEndpoints = []PathEndpoint{
	{Host: "discord.com", Path: "/api/webhooks", Kind: "Discord webhook"},
	{Host: "discordapp.com", Path: "/api/webhooks", Kind: "Discord webhook"},
	{Host: "api.telegram.org", Path: "/bot", Kind: "Telegram bot API"},
	{Host: "hooks.slack.com", Path: "/services", Kind: "Slack webhook"},
}

// BareEndpoints are endpoint domains that are also looked for without a
// scheme ("curl webhook.site/x").
var BareEndpoints = []string{"webhook.site", "ngrok.io", "ngrok.app", "ngrok-free.app", "ngrok-free.dev", "bore.pub",
	"glot.io", "rentry.co", "rentry.org", "pastebin.com", "trycloudflare.com", "pipedream.net", "requestbin.com",
	"requestbin.net", "interact.sh", "oast.fun", "oast.me", "oast.pro", "oast.live", "oast.site", "oast.online"}

// WalletExtensions are the extension ids of browser crypto wallets, whose
// stores stealers copy: MetaMask, Phantom, Coinbase Wallet, TronLink,
// Binance Wallet, Trust Wallet, Rabby, Keplr, Ronin, OKX.
var WalletExtensions = []string{"nkbihfbeogaeaoehlefnkodbefgpgknn", "bfnaelmomeimhlpmgjnjophhpkkoljpa",
	"hnfanknocfeofbddgcijnmhnfnkdnaad", "ibnejdfjmmkpcnlpebklmnkoeoihofec", "fhbohimaelbohpjbbldcngcnapndodjp",
	"egjidjbpglichdcondbcbdnbeeppgdph", "acmacodkjbdgmoleebolmdjonilkdbch", "dmkamcknogkgcdfhhbddcghachkejeap",
	"fnjhmkhhmkbjkkabndcnnogagogbneec", "mcohilncbfahbmgdjkbpemcciiolgcge"}

// Tier says how much reaching a secret store weighs on its own.
type Tier uint8

const (
	// TierStore: credentials that tools also use honestly (SSH and cloud
	// keys, OpenClaw's own config).
	TierStore Tier = iota
	// TierStealer: stores nothing honest opens (browser login and cookie
	// databases and their keys, wallets, keychain dumps, session files).
	TierStealer
	// TierLookup: asking for one named keychain item, which is how tools
	// keep their tokens.
	TierLookup
)

// CredStore is a path or command that reaches secrets. Anchors are literals
// separated by "|" of which every match of Pattern holds one (an anchor with
// a "/" also stands for its Windows spellings); Pattern is an RE2 regexp.
type CredStore struct {
	Anchors, Pattern, What string
	Tier                   Tier
}

func store(anchors, pattern, what string, tier Tier) CredStore {
	return CredStore{Anchors: anchors, Pattern: pattern, What: what, Tier: tier}
}

// CredStores are the secret stores, without the wallet extensions (see
// WalletExtensions). Paths are matched with / or \ (escaped or not) between
// their parts.
var CredStores = []CredStore{
	store(".ssh", `(?:^|[/~\\"'\x00\s]|\$HOME|\})\.ssh(?:[/\\]|\b)`, "SSH keys", TierStore),
	store(".aws", `(?:^|[/~\\"'\x00\s]|\$HOME|\})\.aws(?:[/\\]|\b)`, "AWS credentials", TierStore),
	// OpenClaw's state directory, under its current and former names
	// (OpenClaw still migrates ~/.clawdbot): only the files that hold
	// secrets. Skills, the workspace, logs and a skill's own state
	// directory live there too and are not secret stores.
	store(".openclaw|.clawdbot|.moltbot", `\.(?:openclaw|clawdbot|moltbot)[/\\]+(?:(?:openclaw|clawdbot|moltbot)\.json\b|credentials\b|\.env\b|agents[/\\]+[^/\\\s"'\x60]+[/\\]+agent\b|identity\b|devices\b)`, "OpenClaw secrets", TierStore),
	store("auth-profiles", `auth-profiles\.json`, "agent auth profiles", TierStore),
	store("gateway.auth|gateway?.auth", `\bgateway\??\.auth\??\.(?:token|password)\b`, "the OpenClaw gateway token", TierStore),
	store(".env", `(?:~|\$HOME|\$\{HOME\}|homedir\(\)|\x00)[/\\]+\.env\b`, "a .env file in the home directory", TierStore),
	store("Google/Chrome|google-chrome|Chrome/User Data|Chromium/", `Google[/\\]+Chrome|google-chrome|Chrome[/\\]+User Data|Chromium[/\\]`, "browser profiles", TierStore),
	store("Brave", `BraveSoftware|Brave-Browser`, "browser profiles", TierStore),
	store("Microsoft/Edge|Edge/User Data", `Microsoft[/\\]+Edge|Edge[/\\]+User Data`, "browser profiles", TierStore),
	store("com.operasoftware|Opera Software", `com\.operasoftware|Opera Software`, "browser profiles", TierStore),
	store("Vivaldi/", `Vivaldi[/\\]`, "browser profiles", TierStore),
	store("Yandex/YandexBrowser", `Yandex[/\\]+YandexBrowser`, "browser profiles", TierStore),
	store(".mozilla/firefox|Firefox/Profiles", `\.mozilla[/\\]+firefox|Firefox[/\\]+Profiles`, "Firefox profiles", TierStore),
	store("Login Data", `Login Data`, "browser password stores", TierStealer),
	store("/Web Data", `[/\\]Web Data\b`, "browser autofill stores", TierStealer),
	store("/Local State", `[/\\]Local State\b`, "the browser cookie key (Local State)", TierStealer),
	store("/Cookies", `(?:Default|Profile \d+|Network|User Data)[/\\]+Cookies\b`, "browser cookie stores", TierStealer),
	store("binarycookies", `Cookies\.binarycookies`, "browser cookie stores", TierStealer),
	store("cookies.sqlite", `cookies\.sqlite`, "browser cookie stores", TierStealer),
	store("logins.json", `\blogins\.json`, "Firefox password stores", TierStealer),
	store(".db", `\bkey[34]\.db\b`, "Firefox password stores", TierStealer),
	store("Safe Storage", `Safe Storage`, "a browser's keychain key (Safe Storage)", TierStealer),
	store("Library/Keychains|login.keychain", `Library[/\\]+Keychains|login\.keychain`, "the macOS keychain files", TierStealer),
	store("dump-keychain", `\bsecurity\s+dump-keychain\b`, "a dump of the macOS keychain", TierStealer),
	store("security ", `\bsecurity\s+find-(?:generic|internet)-password\b`, "a macOS keychain item", TierLookup),
	store("wallet.dat", `(?i)wallet\.dat`, "crypto wallets", TierStealer),
	store("lectrum/wallets", `(?i)electrum[/\\]+wallets`, "crypto wallets", TierStealer),
	store("exodus.wallet", `(?i)exodus\.wallet`, "crypto wallets", TierStealer),
	store("solana/id.json", `solana[/\\]+id\.json`, "a Solana CLI keypair", TierStore),
	store(".ethereum/keystore", `\.ethereum[/\\]+keystore`, "an Ethereum keystore", TierStore),
	store("Extension Settings", `Local Extension Settings`, "browser extension stores (wallets)", TierStealer),
	store("Ledger Live", `Ledger Live`, "crypto wallets", TierStealer),
	// A directory named wallet(s), not a word ("wallet/web3 provider") or
	// a directory named after one (sponge-wallet/).
	store("wallet/|wallets/|Wallet/|Wallets/", `(?i)(?:^|[/\\~.])wallets?[/\\]`, "crypto wallets", TierStore),
	store(".kube/config", `\.kube[/\\]+config`, "Kubernetes credentials", TierStore),
	store(".docker/config.json", `\.docker[/\\]+config\.json`, "Docker registry credentials", TierStore),
	store(".config/gcloud", `\.config[/\\]+gcloud`, "Google Cloud credentials", TierStore),
	store(".azure", `(?:~|\$HOME|\x00)[/\\]+\.azure\b`, "Azure credentials", TierStore),
	store("credentials", `\.git-credentials|\.config/[^/\s"']+/credentials\.json`, "stored credentials", TierStore),
	store(".netrc", `(?:~|\$HOME|\x00)[/\\]+\.netrc\b`, "netrc passwords", TierStore),
	store("_history", `\.(?:bash|zsh)_history`, "shell history", TierStore),
	store("shadow", `/etc/shadow\b`, "system password hashes", TierStealer),
	// A process's environment holds what it was started with: the
	// gateway's token and the provider keys OpenClaw reads from env.
	store("/environ", `/proc/+(?:self|thread-self|\d+|\$\$|\$\{?[A-Za-z_]+\}?|\*|\[[^/]*\]|[?*\d]+)/+(?:task/+[^/]+/+)?environ\b`, "a process's environment (the gateway token and provider keys)", TierStore),
	store("/tdata/|Telegram Desktop/tdata", `Telegram Desktop[/\\]+tdata|[/\\]tdata[/\\]`, "Telegram sessions", TierStealer),
	store("/Local Storage", `(?i)discord(?:canary|ptb)?[/\\]+Local Storage|atomic[/\\]+Local Storage`, "Discord tokens or wallet stores", TierStealer),
}

// CommandRunners run the program that follows their own options (and
// RunnerOperands operands) with its arguments: the judge reads that program
// as the command. Their options that take a value are in runnerValueFlags.
// (The scanner reads Prefixes; these are the tool-call judge's.)
var CommandRunners = map[string]bool{"systemd-run": true, "chroot": true, "unshare": true, "strace": true, "ltrace": true,
	"nsenter": true, "firejail": true, "fakeroot": true, "proot": true, "xvfb-run": true, "dbus-run-session": true,
	"setpriv": true, "sshpass": true, "npx": true, "bunx": true, "uvx": true, "screen": true, "torsocks": true,
	"proxychains": true, "proxychains4": true, "valgrind": true, "faketime": true, "catchsegv": true,
	"docker": true, "podman": true, "nerdctl": true, "npm": true, "pnpm": true, "yarn": true}

// RunnerOperands are the operands a runner takes before the program
// (chroot NEWROOT, faketime TIME).
var RunnerOperands = map[string]int{"chroot": 1, "faketime": 1}

// runnerValueFlags are the runners' options that take the next word as
// their value (also at the end of a cluster: screen -dmS name).
var runnerValueFlags = map[string]string{
	"systemd-run": "-u --unit -p --property -E --setenv --working-directory -M --machine --uid --gid --nice --slice -H --host --description --on-active --on-calendar --timer-property",
	"unshare":     "--map-user --map-group --setgroups --propagation -S --setuid -G --setgid -R --root -w --wd",
	"strace":      "-o -e -p -s -u -a -b -E -I -O -P -S -X",
	"ltrace":      "-o -e -p -s -u -a -n -A -D -F -l -L -x",
	"nsenter":     "-t --target -S --setuid -G --setgid -r --root -w --wd",
	"setpriv":     "--reuid --regid --groups --inh-caps --ambient-caps --bounding-set --securebits --pdeathsig --selinux-label --apparmor-profile",
	"sshpass":     "-p -f -d -e -P",
	"npx":         "-p --package",
	"screen":      "-S -c -e -h -L -Logfile -p -s -t -T",
	"proot":       "-r -b -w -q -k",
	"xvfb-run":    "-n -s -f -e -p -w",
	"docker":      "-v --volume -e --env -p --publish -w --workdir -u --user --name --network --net -l --label --mount --env-file --platform --cpus -m --memory -h --hostname --add-host --cap-add --cap-drop --device --restart --pull --log-driver --log-opt --security-opt --ulimit --shm-size --tmpfs --ipc --pid --userns --dns --gpus --runtime --stop-signal --expose --link --volumes-from --group-add --cidfile -a --attach --detach-keys",
}
