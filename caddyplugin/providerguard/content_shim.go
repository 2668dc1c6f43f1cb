package providerguard

// TEMPORARY SHIM (issue 17), to delete when the sanitizer's CheckContent
// (the detector tuned on content, from the sanitizer helper's branch) is
// merged. At that point *sanitizer.Sanitizer implements inbound.Detector
// itself: delete this file and, in providerguard.go, replace
// contentDetector(s) with s.
//
// Until then the detector is the sanitizer's chat-tuned Check with role
// "tool". Detection quality is not this package's subject; the handler's
// tests use texts any detector refuses.

import (
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/inbound"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

type contentShim struct{ s *sanitizer.Sanitizer }

func (c contentShim) CheckContent(text string) sanitizer.Result { return c.s.Check("tool", text) }

func contentDetector(s *sanitizer.Sanitizer) inbound.Detector { return contentShim{s} }
