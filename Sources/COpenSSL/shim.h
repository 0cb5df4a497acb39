#ifndef TONGBAN_COPENSSL_SHIM_H
#define TONGBAN_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#endif
