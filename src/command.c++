#include "command.h++"

#include <sodium.h>

#include <new>

namespace mtt {

namespace {

// Argon2id at OWASP's recommended minimum (19 MiB, 2 passes): about 25 ms of
// one thread per password written.
constexpr unsigned long long pwhash_ops = 2;
constexpr size_t pwhash_mem = 19 * 1024 * 1024;

} // namespace

PasswordToHash::~PasswordToHash() {
    sodium_memzero(text_.data(), text_.size());
}

void PasswordToHash::hash_now() {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, text_.data(), text_.size(), pwhash_ops, pwhash_mem) != 0)
        throw std::bad_alloc(); // libsodium fails only for memory
    hash_ = out;
}

const std::string &PasswordToHash::hash() {
    if (!hashed())
        hash_now();
    return hash_;
}

} // namespace mtt
