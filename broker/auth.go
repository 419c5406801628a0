package broker

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// authHook authenticates every client against the accounts and applies
// their ACL: an unknown user, a wrong password, an anonymous client, or a
// bound account connecting under another client id is refused; a topic
// outside the account's rules is refused (published messages dropped,
// subscriptions failed).
type authHook struct {
	mochi.HookBase
	log      *slog.Logger
	accounts map[string]authAccount
	// refused counts refusals by reason, for tests and metrics.
	mu      sync.Mutex
	refused map[string]int
	// probeUser/probeHash: the broker's own readiness probe, which may
	// connect (silently) and do nothing else.
	probeUser string
	probeHash []byte
}

type authAccount struct {
	Account
	hash  []byte
	rules []Rule
}

func newAuthHook(prefix string, accounts []Account, log *slog.Logger) (*authHook, error) {
	h := &authHook{log: log, accounts: map[string]authAccount{}, refused: map[string]int{}}
	for _, a := range accounts {
		if a.Username == "" {
			return nil, fmt.Errorf("an MQTT account has no username")
		}
		if _, dup := h.accounts[a.Username]; dup {
			return nil, fmt.Errorf("MQTT account %s is listed twice", a.Username)
		}
		hash, err := hex.DecodeString(a.PasswordSHA256)
		if err != nil || len(hash) != sha256.Size {
			return nil, fmt.Errorf("MQTT account %s: password_sha256 must be 64 hex digits", a.Username)
		}
		rules, err := RulesFor(prefix, a)
		if err != nil {
			return nil, err
		}
		h.accounts[a.Username] = authAccount{Account: a, hash: hash, rules: rules}
	}
	return h, nil
}

func (h *authHook) ID() string { return "aqwarn-accounts" }

func (h *authHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck}, []byte{b})
}

func (h *authHook) refuse(reason string, args ...any) {
	h.mu.Lock()
	h.refused[reason]++
	h.mu.Unlock()
	h.log.Warn("MQTT client refused", append([]any{"reason", reason}, args...)...)
}

// Refused returns the refusals so far by reason.
func (h *authHook) Refused() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int, len(h.refused))
	for k, v := range h.refused {
		out[k] = v
	}
	return out
}

func (h *authHook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	user := string(pk.Connect.Username)
	if h.probeUser != "" && user == h.probeUser {
		sum := sha256.Sum256(pk.Connect.Password)
		return cl.ID == user && subtle.ConstantTimeCompare(sum[:], h.probeHash) == 1
	}
	if user == "" {
		h.refuse("anonymous", "client", cl.ID, "remote", cl.Net.Remote)
		return false
	}
	a, ok := h.accounts[user]
	sum := sha256.Sum256(pk.Connect.Password)
	if !ok {
		h.refuse("unknown_user", "username", user, "remote", cl.Net.Remote)
		return false
	}
	if subtle.ConstantTimeCompare(sum[:], a.hash) != 1 {
		h.refuse("bad_password", "username", user, "remote", cl.Net.Remote)
		return false
	}
	if a.BindClientID && cl.ID != user {
		h.refuse("client_id_not_bound", "username", user, "client", cl.ID, "remote", cl.Net.Remote)
		return false
	}
	// The client id of a bound account is its own: another account
	// taking it would take over the service's persistent session.
	if owner, ok := h.accounts[cl.ID]; ok && owner.BindClientID && user != cl.ID {
		h.refuse("client_id_taken", "username", user, "client", cl.ID, "remote", cl.Net.Remote)
		return false
	}
	return true
}

func (h *authHook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	a, ok := h.accounts[string(cl.Properties.Username)]
	if ok && Allowed(a.rules, topic, write) {
		return true
	}
	if h.probeUser != "" && string(cl.Properties.Username) == h.probeUser {
		return false // the probe only connects
	}
	h.refuse("acl", "username", string(cl.Properties.Username), "topic", topic, "write", write)
	return false
}

// HashPassword is the password_sha256 of an account.
func HashPassword(pw string) string {
	s := sha256.Sum256([]byte(pw))
	return hex.EncodeToString(s[:])
}

func hashBytes(pw string) []byte {
	s := sha256.Sum256([]byte(pw))
	return s[:]
}
