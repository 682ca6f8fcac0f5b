/* records.h - what the management layer remembers about objects the core
 * does not keep: the parameters a device was created with (shown as its
 * attributes, marked [key] per SysfsRules) and driver-wide attributes set
 * through the configuration or the tree. */
#ifndef SCSTD_MGMT_RECORDS_H
#define SCSTD_MGMT_RECORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/scst_common.h"

/* scst_add_device / scst_del_device plus the record of parameters. */
int mgmt_add_device(const char *handler, const char *name, const struct scst_kv *params,
		    size_t nparams, char *err, size_t errlen);
int mgmt_del_device(const char *name, char *err, size_t errlen);

/* The creation parameter key of device dev_name, copied into buf. */
bool mgmt_device_param(const char *dev_name, const char *key, char *buf, size_t len);

/* dev->handler->set_attr plus the record of the value (vcdrom filename). */
int mgmt_set_device_attr(struct scst_device *dev, const char *key, const char *value,
			 char *err, size_t errlen);

/* tt->set_driver_attr plus the record of the value. */
int mgmt_set_driver_attr(struct scst_tgt_template *tt, const char *key, const char *value,
			 char *err, size_t errlen);
bool mgmt_driver_attr(const char *driver, const char *key, char *buf, size_t len);

/* ---- attributes with several instances (KEY, KEY1, ...) ---- */

#define MGMT_MAX_RECORD 4096
typedef void (*mgmt_record_fn)(void *ctx, const char *key, const char *value);

/* tt->set_target_attr plus a new instance record; -EEXIST when an
 * instance already holds value (then the driver is not called). */
int mgmt_add_target_attr(struct scst_tgt *tgt, const char *key, const char *value, char *err,
			 size_t errlen);
/* Only the record: for a parameter the driver took at add_target. */
int mgmt_record_target_attr(const struct scst_tgt *tgt, const char *key, const char *value);
bool mgmt_target_attr(const struct scst_tgt *tgt, const char *inst, char *buf, size_t len);
void mgmt_target_attrs(const struct scst_tgt *tgt, mgmt_record_fn fn, void *ctx);
/* The instance of key holding value is gone with what it made (a
 * session_name whose session ended); the other instances keep their names. */
void mgmt_forget_target_attr(const struct scst_tgt *tgt, const char *key, const char *value);
/* Called when the target goes away. */
void mgmt_forget_target(const char *driver, const char *name);

/* add_attribute: tt->set_driver_attr plus a new instance record. */
int mgmt_add_driver_attr(struct scst_tgt_template *tt, const char *key, const char *value,
			 char *err, size_t errlen);
/* Every recorded driver attribute (also "enabled"), in order. */
void mgmt_driver_attrs(const char *driver, mgmt_record_fn fn, void *ctx);
/* del_target_attribute / del_attribute: the driver takes the value back
 * (the instance holding it, or the CHAP user its first word names) and its
 * record goes; -ENOENT when no instance holds it. */
int mgmt_del_target_attr(struct scst_tgt *tgt, const char *key, const char *value, char *err,
			 size_t errlen);
int mgmt_del_driver_attr(struct scst_tgt_template *tt, const char *key, const char *value,
			 char *err, size_t errlen);
/* An instance file (KEY, KEY1 ...) is writable when the driver can take a
 * value back: a write replaces that instance's value. */
bool mgmt_target_attr_writable(const struct scst_tgt *tgt);
bool mgmt_driver_attr_writable(const struct scst_tgt_template *tt);
int mgmt_write_target_attr(struct scst_tgt *tgt, const char *inst, const char *value, char *err,
			   size_t errlen);
int mgmt_write_driver_attr(struct scst_tgt_template *tt, const char *inst, const char *value,
			   char *err, size_t errlen);
/* Every creation parameter of a device, in order. */
void mgmt_device_params(const char *dev_name, mgmt_record_fn fn, void *ctx);

#endif
