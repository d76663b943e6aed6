package crypto_test

import (
	"fmt"
	"log"

	"github.com/palja/palja/crypto"
)

func ExampleKeyring_Seal() {
	// In palja the ring comes from PALJA_ENCRYPTION_KEYS or the key file.
	// Never use a key printed in documentation.
	kr, err := crypto.ParseKeys("k2025:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		log.Fatal(err)
	}

	// The associated data binds the ciphertext to its table, column and row.
	ad := []byte("profiles.sealed|acct_7|prf_42")
	sealed := kr.Seal([]byte("1990-05-17 14:30 Seoul"), ad)

	id, _ := crypto.KeyIDOf(sealed)
	fmt.Println("sealed under", id, "adding", len(sealed)-len("1990-05-17 14:30 Seoul"), "bytes")

	plaintext, err := kr.Open(sealed, ad)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", plaintext)

	// Moved to another row, it no longer opens.
	_, err = kr.Open(sealed, []byte("profiles.sealed|acct_7|prf_43"))
	fmt.Println(err)
	// Output:
	// sealed under k2025 adding 35 bytes
	// 1990-05-17 14:30 Seoul
	// crypto: message authentication failed
}
