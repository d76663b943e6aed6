package main

import (
	"fmt"
	"io"

	"github.com/palja/palja/crypto"
)

const encryptionKeyUsage = "usage: palja encryption-key\n\nPrints a new 256-bit encryption key as id:base64, the form PALJA_ENCRYPTION_KEYS takes.\n"

// runEncryptionKey prints a fresh 256-bit encryption key as "id:base64", the
// form PALJA_ENCRYPTION_KEYS takes, for a key rotation.
func runEncryptionKey(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if isHelpFlag(args[0]) {
			fmt.Fprint(stderr, encryptionKeyUsage)
			return errHelp
		}
		fmt.Fprintf(stderr, "palja encryption-key: unexpected argument %s (it takes none)\n\n%s", quoteArg(args[0]), encryptionKeyUsage)
		return errUsage
	}
	id, key, err := crypto.GenerateKey()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, crypto.FormatKey(id, key))
	return nil
}
