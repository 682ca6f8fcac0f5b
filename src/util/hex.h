/* hex.h - the value of one hexadecimal digit, for the parsers of hex text
 * (CHAP binary values, TransportID names, scst_local transport_id). */
#ifndef SCSTD_UTIL_HEX_H
#define SCSTD_UTIL_HEX_H

/* 0..15, or -1 when c is not a hex digit. */
static inline int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
