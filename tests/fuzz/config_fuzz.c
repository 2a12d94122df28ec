// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the daemon's configuration parser: the input is a
 * config file's text. Every input must give either a valid configuration
 * or a "NAME:LINE: ..." error, never a crash, a hang or undefined behaviour.
 * Built by `make fuzz` with ASan and UBSan; corpus in tests/fuzz/config.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_config c;
	char *text = malloc(size + 1), err[512];
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&c);
	rc = config_parse("fuzz.conf", text, &c, err, sizeof(err));
	/* the contract: an error always names the file and line */
	if (rc && strncmp(err, "fuzz.conf:", 10))
		abort();
	free(text);
	return 0;
}
