package sealed

// ResealProfile is the step of re-encryption for one profile of account:
// it opens ciphertext under whichever key of the ring it names and seals
// the same plaintext again under the primary key, into buf. A ciphertext
// that does not open is an error naming the profile and its key id (see
// [Sealer.OpenProfile]); the backend leaves such a row as it is.
func (s *Sealer) ResealProfile(buf *Buffers, account, id string, ciphertext []byte) ([]byte, error) {
	buf.ad = AppendProfileAD(buf.ad[:0], account, id)
	out, err := s.reseal(buf, ciphertext)
	if err != nil {
		return nil, sealedError("open", id, ciphertext, err)
	}
	return out, nil
}

// ResealFingerprint is the step of re-encryption for the sealed
// fingerprint of Idempotency-Key key in account, as [Sealer.ResealProfile]
// is for a profile. Only fingerprints that are a [Sealer.StaleFingerprint]
// are worth it; one that does not open is an error (the crypto package's),
// and the backend leaves it for the purge.
func (s *Sealer) ResealFingerprint(buf *Buffers, account, key string, ciphertext []byte) ([]byte, error) {
	buf.ad = AppendFingerprintAD(buf.ad[:0], account, key)
	return s.reseal(buf, ciphertext)
}

// reseal opens ciphertext with the associated data in buf.ad and seals it
// again under the primary key into buf.out.
func (s *Sealer) reseal(buf *Buffers, ciphertext []byte) ([]byte, error) {
	pt, err := s.kr.Open(ciphertext, buf.ad)
	if err != nil {
		return nil, err
	}
	buf.out = s.kr.AppendSeal(buf.out[:0], pt, buf.ad)
	clear(pt)
	return buf.out, nil
}
