package history

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
)

// ErrInvalidKey is returned (wrapped) for an audit key that cannot be read
// or used: not PEM, not Ed25519, or a private key file others may read.
// Messages name the file, never the key's bytes.
var ErrInvalidKey = errors.New("history: invalid audit key")

// ErrSignature is returned (wrapped) by AuditRecord.VerifySignature when a
// record is unsigned, signed by another key or its signature is wrong.
var ErrSignature = errors.New("history: audit signature")

// PEM block types of the key files: PKCS #8 for the private key and PKIX
// for the public key, as openssl and crypto/x509 write them.
const (
	PrivateKeyPEMType = "PRIVATE KEY"
	PublicKeyPEMType  = "PUBLIC KEY"
)

// signaturePrefix separates audit signatures from any other use of a key.
const signaturePrefix = "sluice audit record v1\n"

// SignedMessage returns the bytes an audit signature signs: a fixed
// prefix and the record's hash in hex.
func SignedMessage(hash string) []byte { return []byte(signaturePrefix + hash) }

// KeyID returns the key id of a public key: "ed25519:" and the first 16
// bytes of the sha256 of the raw key, in hex. It names the key in records
// and messages; the key itself never appears.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:16])
}

// signerKey returns the Ed25519 public key of s.
func signerKey(s crypto.Signer) (ed25519.PublicKey, error) {
	pub, ok := s.Public().(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: the signer's key is %T, not Ed25519", ErrInvalidKey, s.Public())
	}
	return pub, nil
}

// sign sets r.Signature over r.Hash with s (r.KeyID is already set).
func (r *AuditRecord) sign(s crypto.Signer) error {
	sig, err := s.Sign(rand.Reader, SignedMessage(r.Hash), crypto.Hash(0))
	if err != nil {
		return fmt.Errorf("%w: signing record %d: %w", ErrInvalidKey, r.Seq, err)
	}
	r.Signature = base64.StdEncoding.EncodeToString(sig)
	return nil
}

// VerifySignature checks that r carries a valid signature by pub over its
// hash. It does not recompute the hash (see ComputeHash).
func (r AuditRecord) VerifySignature(pub ed25519.PublicKey) error {
	id := KeyID(pub)
	switch {
	case r.Signature == "":
		return fmt.Errorf("%w: record %d is not signed", ErrSignature, r.Seq)
	case r.KeyID != id:
		return fmt.Errorf("%w: record %d is signed by key %s, not %s", ErrSignature, r.Seq, orNone(r.KeyID), id)
	}
	sig, err := base64.StdEncoding.DecodeString(r.Signature)
	if err != nil || !ed25519.Verify(pub, SignedMessage(r.Hash), sig) {
		return fmt.Errorf("%w: record %d: the signature by key %s does not verify", ErrSignature, r.Seq, id)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// MarshalPrivateKey encodes k as a PKCS #8 PEM block.
func MarshalPrivateKey(k ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: PrivateKeyPEMType, Bytes: der}), nil
}

// MarshalPublicKey encodes k as a PKIX PEM block.
func MarshalPublicKey(k ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: PublicKeyPEMType, Bytes: der}), nil
}

// ParsePrivateKey decodes a PKCS #8 PEM private key; it must be Ed25519.
// Errors never quote data.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != PrivateKeyPEMType {
		return nil, fmt.Errorf("%w: not a PEM %q block", ErrInvalidKey, PrivateKeyPEMType)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: not a PKCS #8 private key", ErrInvalidKey)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: a %T, not an Ed25519 key", ErrInvalidKey, k)
	}
	return priv, nil
}

// ParsePublicKey decodes a PKIX PEM public key; it must be Ed25519.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != PublicKeyPEMType {
		return nil, fmt.Errorf("%w: not a PEM %q block", ErrInvalidKey, PublicKeyPEMType)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: not a PKIX public key", ErrInvalidKey)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: a %T, not an Ed25519 key", ErrInvalidKey, k)
	}
	return pub, nil
}

// maxKeyFile bounds what ReadPrivateKey and ReadPublicKey read: a PEM
// Ed25519 key is about 120 bytes.
const maxKeyFile = 64 << 10

func readKeyFile(path string) ([]byte, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%w: %s is not a regular file", ErrInvalidKey, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrInvalidKey, path, err)
	}
	if len(data) > maxKeyFile {
		return nil, nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrInvalidKey, path, maxKeyFile)
	}
	return data, fi, nil
}

// ReadPrivateKey reads a private key file written by WriteKeyPair (or
// openssl genpkey -algorithm ed25519). On Unix a file that its group or
// others may read is refused, as ssh does.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, fi, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s may be read by others (mode %04o): chmod 600 it", ErrInvalidKey, path, fi.Mode().Perm())
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ReadPublicKey reads a public key file written by WriteKeyPair (or
// openssl pkey -pubout).
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	data, _, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// KeyPairPaths returns the files WriteKeyPair writes for prefix:
// prefix+".key" and prefix+".pub".
func KeyPairPaths(prefix string) (priv, pub string) { return prefix + ".key", prefix + ".pub" }

// WriteKeyPair generates an Ed25519 key pair from random (nil:
// crypto/rand) and writes the private key to prefix.key (mode 0600) and the
// public key to prefix.pub (mode 0644), both PEM. Existing files are never
// overwritten. It returns the key id.
func WriteKeyPair(prefix string, random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	pub, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return "", fmt.Errorf("%w: generating: %w", ErrInvalidKey, err)
	}
	privPEM, err := MarshalPrivateKey(priv)
	if err != nil {
		return "", err
	}
	pubPEM, err := MarshalPublicKey(pub)
	if err != nil {
		return "", err
	}
	privPath, pubPath := KeyPairPaths(prefix)
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return "", fmt.Errorf("history: %s exists: %w", p, os.ErrExist)
		}
	}
	if err := writeNew(privPath, privPEM, 0o600); err != nil {
		return "", err
	}
	if err := writeNew(pubPath, pubPEM, 0o644); err != nil {
		return "", errors.Join(err, os.Remove(privPath))
	}
	return KeyID(pub), nil
}

// writeNew creates path (failing if it exists) with data and mode perm
// under the umask; a private mode (no group or other bits) is kept exactly.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if perm&0o077 == 0 {
		err = f.Chmod(perm)
	}
	if _, werr := f.Write(data); err == nil {
		err = werr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(fmt.Errorf("history: writing %s: %w", path, err), os.Remove(path))
	}
	return nil
}
