#ifndef TONGBAN_SM_H
#define TONGBAN_SM_H
#include <stddef.h>
#include <stdint.h>

/* SM3 (GM/T 0004) digest: 32 bytes into out. Returns 1 on success. */
int tb_sm3(const uint8_t *data, size_t len, uint8_t out[32]);

/* Fresh SM2 key pair: the 32-byte private scalar and the 65-byte uncompressed point 04||x||y. */
int tb_sm2_generate(uint8_t priv[32], uint8_t pub[65]);

/* SM2 signature with SM3 and the default distinguishing ID "1234567812345678" (GM/T 0009),
   DER-encoded into sig (capacity *sig_len, at most 72 bytes needed). Returns 1 on success. */
int tb_sm2_sign(const uint8_t priv[32], const uint8_t pub[65],
                const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len);

/* Returns 1 when sig is a valid SM2/SM3 signature of msg under pub, 0 otherwise. */
int tb_sm2_verify(const uint8_t pub[65], const uint8_t *msg, size_t msg_len,
                  const uint8_t *sig, size_t sig_len);
#endif
