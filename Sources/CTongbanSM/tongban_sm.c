#include "tongban_sm.h"
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

static const char sm2_default_id[] = "1234567812345678";

int tb_sm3(const uint8_t *data, size_t len, uint8_t out[32]) {
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sm3(), NULL) == 1 && n == 32;
}

int tb_sm2_generate(uint8_t priv[32], uint8_t pub[65]) {
    int ok = 0;
    EVP_PKEY *pkey = NULL;
    BIGNUM *d = NULL;
    size_t pub_len = 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_SM2, NULL);
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) goto done;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) goto done;
    if (BN_bn2binpad(d, priv, 32) != 32) goto done;
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, 65, &pub_len) != 1 || pub_len != 65) goto done;
    ok = pub[0] == 0x04;
done:
    BN_clear_free(d);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

/* Builds an SM2 key from raw parts; priv may be NULL for a public key. */
static EVP_PKEY *sm2_key(const uint8_t priv[32], const uint8_t pub[65]) {
    EVP_PKEY *pkey = NULL;
    BIGNUM *d = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (bld == NULL || ctx == NULL) goto done;
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) != 1) goto done;
    if (OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 65) != 1) goto done;
    if (priv != NULL) {
        d = BN_bin2bn(priv, 32, NULL);
        if (d == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1) goto done;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    if (params == NULL || EVP_PKEY_fromdata_init(ctx) != 1) goto done;
    if (EVP_PKEY_fromdata(ctx, &pkey, priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = NULL;
done:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* A digest context bound to key with SM3 and the default SM2 ID. */
static EVP_MD_CTX *sm2_md_ctx(EVP_PKEY *key, int signing) {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(key, NULL);
    if (md == NULL || pctx == NULL) goto fail;
    if (EVP_PKEY_CTX_set1_id(pctx, sm2_default_id, (int)(sizeof sm2_default_id - 1)) != 1) goto fail;
    EVP_MD_CTX_set_pkey_ctx(md, pctx);
    if ((signing ? EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, key)
                 : EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, key)) != 1) {
        EVP_MD_CTX_free(md);
        EVP_PKEY_CTX_free(pctx);
        return NULL;
    }
    return md;
fail:
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pctx);
    return NULL;
}

int tb_sm2_sign(const uint8_t priv[32], const uint8_t pub[65],
                const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len) {
    int ok = 0;
    EVP_PKEY *key = sm2_key(priv, pub);
    EVP_MD_CTX *md = key != NULL ? sm2_md_ctx(key, 1) : NULL;
    if (md != NULL) ok = EVP_DigestSign(md, sig, sig_len, msg, msg_len) == 1;
    if (md != NULL) {
        EVP_PKEY_CTX *pctx = EVP_MD_CTX_get_pkey_ctx(md);
        EVP_MD_CTX_free(md);
        EVP_PKEY_CTX_free(pctx);
    }
    EVP_PKEY_free(key);
    return ok;
}

int tb_sm2_verify(const uint8_t pub[65], const uint8_t *msg, size_t msg_len,
                  const uint8_t *sig, size_t sig_len) {
    int ok = 0;
    EVP_PKEY *key = sm2_key(NULL, pub);
    EVP_MD_CTX *md = key != NULL ? sm2_md_ctx(key, 0) : NULL;
    if (md != NULL) ok = EVP_DigestVerify(md, sig, sig_len, msg, msg_len) == 1;
    if (md != NULL) {
        EVP_PKEY_CTX *pctx = EVP_MD_CTX_get_pkey_ctx(md);
        EVP_MD_CTX_free(md);
        EVP_PKEY_CTX_free(pctx);
    }
    EVP_PKEY_free(key);
    return ok;
}
