/* scsi_op.h - the symbolic command ids, one per command scsi_ops.def
 * declares (SCSI_OP_READ_10, SCSI_OP_PR_OUT, ...; a service action is a
 * command of its own).  Parsing binds a command's row, and with it its id,
 * to the command (cmd->op); handlers find their executor by the id. */
#ifndef SCSTD_CORE_SCSI_OP_H
#define SCSTD_CORE_SCSI_OP_H

enum scsi_op_id {
	SCSI_OP_NONE,           /* no row: never bound to a parsed command */
#define OP(id, ...) SCSI_OP_##id,
#define PT(id, ...) SCSI_OP_##id,
#define OP_ROW(...)
#define PT_ROW(...)
#include "scsi_ops.def"
#undef OP
#undef PT
#undef OP_ROW
#undef PT_ROW
	SCSI_OP__COUNT
};

#endif
