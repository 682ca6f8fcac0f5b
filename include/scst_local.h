/* scst_local.h - libscst_local: the user-space counterpart of scst_local's
 * /dev/sgX.  A process connects to scstd's raw command socket, attaches to
 * a local session (an I_T nexus of target driver scst_local), and sends
 * any CDB with data out and/or in; it gets back the SCSI status, the sense
 * and the data.  The management helpers talk to scstd's control socket, so
 * a user-space target driver can create its targets and sessions and set
 * their TransportIDs (README.scst_local "User space target drivers").
 *
 * Every call returns 0 or a negative errno and puts a one-line reason in
 * err.  A connection is used by one thread at a time. */
#ifndef SCST_LOCAL_H
#define SCST_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCST_LOCAL_SOCKET_DEFAULT "/run/scst/scst_local.sock"
#define SCST_LOCAL_CTL_SOCKET_DEFAULT "/run/scst/scstd.sock"
#define SCST_LOCAL_MAX_CDB 64
#define SCST_LOCAL_MAX_DATA (8u << 20)
#define SCST_LOCAL_SENSE_MAX 252

struct scst_local;

struct scst_local_result {
	uint8_t status;                         /* SAM status */
	uint8_t sense_len;
	uint8_t sense[SCST_LOCAL_SENSE_MAX];
	uint32_t data_in_len;                   /* bytes put into data_in */
};

int scst_local_connect(const char *socket_path, struct scst_local **out, char *err,
		       size_t errlen);
/* Binds the connection to session `session` (target NULL: any target). */
int scst_local_attach(struct scst_local *c, const char *target, const char *session, char *err,
		      size_t errlen);
/* Runs one command on LUN lun of the attached session.  data_out/out_len
 * for a command that sends data, data_in/in_len for one that receives;
 * both for bidirectional ones.  Returns 0 when the command ran (see
 * res->status), -errno when it could not be run (not attached, session
 * gone, connection lost). */
int scst_local_cmd(struct scst_local *c, uint64_t lun, const uint8_t *cdb, unsigned cdb_len,
		   const void *data_out, uint32_t out_len, void *data_in, uint32_t in_len,
		   struct scst_local_result *res, char *err, size_t errlen);
void scst_local_close(struct scst_local *c);

/* Management tree over the control socket: "write PATH VALUE" and
 * "read PATH" (value into out, NUL-terminated). */
int scst_local_mgmt_write(const char *ctl_socket, const char *path, const char *value,
			  char *err, size_t errlen);
int scst_local_mgmt_read(const char *ctl_socket, const char *path, char *out, size_t outlen,
			 char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
