package controlui

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaxFormBytes bounds a login or logout form body.
const MaxFormBytes = 4096

// maxSecretLen bounds a posted token: generated tokens are 43 characters.
const maxSecretLen = 512

// LoginForm is a parsed login form.
type LoginForm struct {
	// Token is the secret the user typed.
	Token string
	// Next is the local path to go to after login ("/" when absent).
	Next string
}

// FormError is a form the guard refuses; its message is safe to show.
type FormError struct{ msg string }

func (e *FormError) Error() string { return e.msg }

func formErr(format string, args ...any) error { return &FormError{msg: fmt.Sprintf(format, args...)} }

// ParseLoginForm reads an application/x-www-form-urlencoded login body:
// exactly one token, at most one next, nothing else. A field given twice is
// refused rather than one copy picked.
func ParseLoginForm(body []byte) (LoginForm, error) {
	vals, err := parseForm(body, "token", "next")
	if err != nil {
		return LoginForm{}, err
	}
	f := LoginForm{Token: strings.TrimSpace(vals["token"]), Next: "/"}
	if f.Token == "" {
		return LoginForm{}, formErr("enter a token")
	}
	if len(f.Token) > maxSecretLen || !printableASCII(f.Token) {
		return LoginForm{}, formErr("that is not a token: tokens are letters, digits and - . _ ~ + / =")
	}
	if next, ok := vals["next"]; ok && next != "" {
		if !SafeNext(next) {
			return LoginForm{}, formErr("the page to return to is not a local path")
		}
		f.Next = next
	}
	return f, nil
}

// ParseLogoutForm reads a logout body: exactly one csrf field.
func ParseLogoutForm(body []byte) (csrf string, err error) {
	vals, err := parseForm(body, "csrf")
	if err != nil {
		return "", err
	}
	if vals["csrf"] == "" {
		return "", formErr("the logout form has no CSRF token")
	}
	return vals["csrf"], nil
}

func parseForm(body []byte, allowed ...string) (map[string]string, error) {
	if len(body) > MaxFormBytes {
		return nil, formErr("the form is larger than %d bytes", MaxFormBytes)
	}
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, formErr("the form is not valid application/x-www-form-urlencoded")
	}
	out := make(map[string]string, len(q))
	for k, v := range q {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			return nil, formErr("unexpected form field %q", k)
		}
		if len(v) != 1 {
			return nil, formErr("form field %q given %d times", k, len(v))
		}
		out[k] = v[0]
	}
	return out, nil
}

// SafeNext reports whether s is a path on this origin to redirect to after
// login: it starts with one "/", is not a scheme-relative "//host" or
// "/\host" (which browsers read as another origin), has no control
// characters, and is not the guard's own login or logout page.
func SafeNext(s string) bool {
	if len(s) == 0 || len(s) > 2048 || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\' {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return false
	}
	return u.Path != LoginPath && u.Path != LogoutPath
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

var errNotForm = errors.New("send the form as application/x-www-form-urlencoded")
