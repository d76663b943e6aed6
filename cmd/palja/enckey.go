package main

import (
	"fmt"
	"io"

	"github.com/palja/palja/crypto"
)

// runEncryptionKey prints a fresh 256-bit encryption key as "id:base64", the
// form PALJA_ENCRYPTION_KEYS takes, for a key rotation.
func runEncryptionKey(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: palja encryption-key")
		return errUsage
	}
	id, key, err := crypto.GenerateKey()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, crypto.FormatKey(id, key))
	return nil
}
