package scanner

// Ids of the built-in detections. Each has an entry in rules.json that sets
// its default severity and description.
const (
	// Input handling.
	RuleInputUnreadable  = "INPUT_UNREADABLE"
	RuleInputLimit       = "INPUT_LIMIT"
	RuleInputParseError  = "INPUT_PARSE_ERROR"
	RuleInputSpecialFile = "INPUT_SPECIAL_FILE"
	RuleSymlinkEscape    = "INPUT_SYMLINK_ESCAPE"
	RuleBinaryFile       = "BINARY_FILE"
	RuleBinaryExecutable = "BINARY_EXECUTABLE"
	RuleArchiveEncrypted = "ARCHIVE_ENCRYPTED"
	RuleArchivePath      = "ARCHIVE_PATH_TRAVERSAL"

	// Dynamic code.
	RuleEval          = "DANGEROUS_EVAL"
	RuleFunctionCtor  = "DANGEROUS_FUNCTION_CTOR"
	RuleVM            = "DANGEROUS_VM"
	RuleStringTimer   = "DANGEROUS_STRING_TIMER"
	RuleDynamicImport = "DYNAMIC_REQUIRE"
	RuleHiddenCall    = "OBF_HIDDEN_CALL"

	// Processes.
	RuleChildProcess = "DANGEROUS_CHILD_PROCESS"
	RulePipeToShell  = "SHELL_PIPE_INTERPRETER"
	RuleReverseShell = "REVERSE_SHELL"
	// Text rules (rules.json): miners and fork bombs; defences turned off.
	RuleResourceAbuse  = "RESOURCE_ABUSE"
	RuleDefenseEvasion = "DEFENSE_EVASION"
	RuleDeserialize    = "DANGEROUS_DESERIALIZATION"
	RuleSQLInjection   = "SQL_INJECTION"

	// Network.
	RuleNetRequest       = "NETWORK_FETCH"
	RuleNetSocket        = "NETWORK_SOCKET"
	RuleExfilEndpoint    = "NET_EXFIL_ENDPOINT"
	RuleRawIPURL         = "NET_RAW_IP_URL"
	RuleDomainNotAllowed = "NET_DOMAIN_NOT_ALLOWED"
	RuleNetBeacon        = "NET_BACKGROUND_BEACON"
	RulePayloadHost      = "NET_PAYLOAD_HOST"

	// Credentials.
	RuleCredFile        = "CRED_FILE_ACCESS"
	RuleEnvHarvest      = "CRED_ENV_HARVEST"
	RuleSecretLeak      = "CRED_SECRET_OUTPUT"
	RulePasswordCheck   = "CRED_PASSWORD_CHECK"
	RuleClipboardHijack = "CRED_CLIPBOARD_HIJACK"

	// Chains.
	RuleChainExfil   = "CHAIN_EXFILTRATION"
	RuleChainDropper = "CHAIN_DROPPER"

	// Filesystem.
	RuleFSWriteHome       = "FS_WRITE_OUTSIDE"
	RuleFSRecursiveDelete = "FS_RECURSIVE_DELETE"
	RuleFSChmodDownload   = "FS_CHMOD_DOWNLOAD"
	RuleFSPersistence     = "FS_PERSISTENCE"
	// Text rule (rules.json): NOPASSWD sudo, setuid shells.
	RulePrivEscalation   = "PRIV_ESCALATION"
	RuleQuarantineBypass = "FS_QUARANTINE_BYPASS"

	// Obfuscation.
	RuleObfHexNames       = "OBF_HEX_MANGLING"
	RuleObfPacked         = "OBF_PACKED_EVAL"
	RuleObfBidi           = "OBF_TROJAN_SOURCE"
	RuleObfEncodedPayload = "OBF_ENCODED_PAYLOAD"
	RuleTimeBomb          = "TIME_BOMB"
	RuleObfSplitPayload   = "OBF_SPLIT_PAYLOAD"

	// SKILL.md.
	RuleSkillHiddenComment  = "SKILL_HIDDEN_COMMENT"
	RuleSkillInvisible      = "SKILL_INVISIBLE_TEXT"
	RuleSkillInjection      = "SKILL_PROMPT_INJECTION"
	RuleSkillPrerequisite   = "SKILL_FAKE_PREREQUISITE"
	RuleSkillPasswordZip    = "SKILL_PASSWORD_ARCHIVE"
	RuleSkillPasteScript    = "SKILL_PASTE_SITE"
	RuleSkillPasswordPrompt = "SKILL_PASSWORD_PROMPT"
	RuleSkillInstall        = "SKILL_INSTALL_DOWNLOAD"
	RuleSkillFrontMatter    = "SKILL_BAD_FRONT_MATTER"
	RuleSkillExfil          = "SKILL_EXFIL_INSTRUCTION"
	RuleSkillConcealment    = "SKILL_CONCEALMENT"
	RuleSkillDisclosure     = "SKILL_SECRET_DISCLOSURE"
	RuleSkillImpersonation  = "SKILL_IMPERSONATED_TOOL"
	RuleSkillURLInstall     = "SKILL_URL_INSTALL"
	RuleSkillTyposquat      = "SKILL_TYPOSQUAT"
	RuleSkillWalletSecret   = "SKILL_WALLET_SECRET"
	RuleSkillDeceptiveLink  = "SKILL_DECEPTIVE_LINK"
	RuleSkillAgentDirective = "SKILL_AGENT_DIRECTIVE"
	RuleSkillSelfModify     = "SKILL_SELF_MODIFICATION"
	RuleSkillCredSweep      = "SKILL_CREDENTIAL_SWEEP"

	// package.json.
	RulePkgLifecycle = "PKG_LIFECYCLE_SCRIPT"
	RulePkgURLDep    = "PKG_URL_DEPENDENCY"

	// Threat intelligence.
	RuleIntelIndicator = "INTEL_INDICATOR"

	// Data files.
	RuleDataEmbeddedCode = "DATA_EMBEDDED_CODE"
)
