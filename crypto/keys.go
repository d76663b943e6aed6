package crypto

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ParseKeys parses a key list in the format of PALJA_ENCRYPTION_KEYS,
//
//	id:base64,id2:base64,…
//
// where each base64 (standard alphabet, padded or not) decodes to a 32-byte
// key. The first key is the primary; the others only open. Spaces and newlines
// around entries, ids and keys are ignored. Errors name the entry's position
// and key id, never key material.
func ParseKeys(s string) (*Keyring, error) {
	kr, err := parseKeys(s)
	if err != nil {
		return nil, fmt.Errorf("crypto: %w", err)
	}
	return kr, nil
}

func parseKeys(s string) (*Keyring, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("no keys")
	}
	var primary KeyID
	keys := make(map[KeyID][]byte)
	for i, entry := range strings.Split(s, ",") {
		n := i + 1
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("key entry %d is empty", n)
		}
		rawID, rawKey, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("key entry %d: want id:base64", n)
		}
		id := KeyID(strings.TrimSpace(rawID))
		if !id.Valid() {
			return nil, fmt.Errorf("key entry %d: invalid key id: want 1 to 32 characters from A-Z a-z 0-9 _ -", n)
		}
		if _, dup := keys[id]; dup {
			return nil, fmt.Errorf("duplicate key id %q", id)
		}
		key, err := decodeKey(strings.TrimSpace(rawKey))
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		keys[id] = key
		if i == 0 {
			primary = id
		}
	}
	return newKeyring(primary, keys)
}

// decodeKey decodes a base64 key. Its errors never contain the input.
func decodeKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("no key after ':'")
	}
	enc := base64.StdEncoding.Strict()
	if !strings.HasSuffix(s, "=") {
		enc = base64.RawStdEncoding.Strict()
	}
	key, err := enc.DecodeString(s)
	if err != nil {
		// CorruptInputError holds an offset only, but say it ourselves so no
		// future error text can carry key material.
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("invalid base64 at character %d", int64(ce))
		}
		return nil, errors.New("invalid base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("decodes to %d bytes, want %d", len(key), KeySize)
	}
	return key, nil
}

// GenerateKey returns a fresh 256-bit key from crypto/rand and an id for it
// of the form k<yyyymmdd>-<6 hex digits>, for example k20250301-4f2a9c.
func GenerateKey() (id KeyID, key []byte, err error) {
	var suffix [3]byte
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", nil, fmt.Errorf("crypto: generate key: %w", err)
	}
	if _, err := rand.Read(suffix[:]); err != nil {
		return "", nil, fmt.Errorf("crypto: generate key: %w", err)
	}
	id = KeyID("k" + time.Now().UTC().Format("20060102") + "-" + hex.EncodeToString(suffix[:]))
	return id, key, nil
}

// FormatKey returns id and key in the id:base64 form that [ParseKeys] reads.
func FormatKey(id KeyID, key []byte) string {
	return string(id) + ":" + base64.StdEncoding.EncodeToString(key)
}

// LoadOrCreateKeyFile returns the keyring stored in the key file at path,
// creating the file with a fresh key from [GenerateKey] if it does not exist;
// created reports whether it did.
//
// The file holds one line in the format of [ParseKeys]. It is created with
// mode 0600, written to a temporary file in the same directory and then
// hard-linked into place, so no reader ever sees a partial file and, when two
// processes race, exactly one key wins and both return it.
//
// An existing file readable or writable by group or others is refused (on
// systems with Unix permissions): the key is the only protection of the data,
// so a loose mode is treated as a configuration error, as ssh does for private
// keys. Fix it with chmod 600.
func LoadOrCreateKeyFile(path string) (kr *Keyring, created bool, err error) {
	kr, err = readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return kr, false, err
	}
	id, key, err := GenerateKey()
	if err != nil {
		return nil, false, err
	}
	linked, err := createExclusive(path, []byte(FormatKey(id, key)+"\n"))
	if err != nil {
		return nil, false, fmt.Errorf("crypto: create key file: %w", err)
	}
	kr, err = readKeyFile(path)
	return kr, linked && err == nil, err
}

func readKeyFile(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("crypto: key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("crypto: key file: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("crypto: key file %s has mode %04o, want 0600: run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	const maxSize = 1 << 16
	b, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("crypto: key file: %w", err)
	}
	if len(b) > maxSize {
		return nil, fmt.Errorf("crypto: key file %s is larger than %d bytes", path, maxSize)
	}
	kr, err := parseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("crypto: key file %s: %w", path, err)
	}
	return kr, nil
}

// createExclusive writes data to path with mode 0600 only if path does not
// exist, atomically. It reports false, nil when another writer got there first.
func createExclusive(path string, data []byte) (created bool, err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return false, err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	// link, unlike rename, fails if path exists: O_EXCL for a complete file.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return true, nil
}
