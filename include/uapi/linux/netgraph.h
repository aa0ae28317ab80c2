/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * netgraph for Linux: the generic netlink ABI.
 *
 * This header is the single definition of the control plane: the kernel
 * module generates its Rust bindings from it, the C shim builds its attribute
 * policies from it, and userspace generates its constants from it.
 *
 * Every command is addressed to the generic netlink family "netgraph"; the
 * family exists in every network namespace and each namespace has its own
 * graph. Mutating commands need CAP_NET_ADMIN in the user namespace that owns
 * the network namespace; reads are open.
 */
#ifndef _UAPI_LINUX_NETGRAPH_H
#define _UAPI_LINUX_NETGRAPH_H

#define NETGRAPH_GENL_NAME		"netgraph"
#define NETGRAPH_GENL_VERSION		1
/* Multicast group announcing topology changes (NETGRAPH_CMD_EVT_*). */
#define NETGRAPH_MCGRP_EVENTS		"events"

/* Sizes include the terminating NUL, as in FreeBSD. */
#define NG_TYPESIZ			32
#define NG_HOOKSIZ			32
#define NG_NODESIZ			32
#define NG_PATHSIZ			512
#define NG_CMDSTRSIZ			32

/* Generic message cookie (FreeBSD NGM_GENERIC_COOKIE). */
#define NGM_GENERIC_COOKIE		1137070366

enum netgraph_cmd {
	NETGRAPH_CMD_UNSPEC,
	/*
	 * Give the calling socket its own node of type "socket", optionally
	 * named by NAME. The node is addressed as "." by this socket and dies
	 * when the socket closes. Reply: NODE.
	 */
	NETGRAPH_CMD_SOCKET,
	/* PATH (default "."), TYPE, OURHOOK, PEERHOOK */
	NETGRAPH_CMD_MKPEER,
	/* PATH (default "."), PEERPATH (relative to PATH), OURHOOK, PEERHOOK */
	NETGRAPH_CMD_CONNECT,
	/* PATH, NAME */
	NETGRAPH_CMD_NAME,
	/* PATH (default "."), HOOK */
	NETGRAPH_CMD_RMHOOK,
	/* PATH */
	NETGRAPH_CMD_SHUTDOWN,
	/* PATH -> NODE */
	NETGRAPH_CMD_NODEINFO,
	/*
	 * PATH -> dump: the first message carries NODE, each further message
	 * one LINK.
	 */
	NETGRAPH_CMD_LISTHOOKS,
	/* [NAMED_ONLY] -> dump: one NODE per message */
	NETGRAPH_CMD_LISTNODES,
	/* -> dump: one TYPE per message */
	NETGRAPH_CMD_LISTTYPES,
	/*
	 * Type-specific control message: PATH, MSG_CMD (the command's name)
	 * and ARGS (typed attributes, see the type's schema). Reply: MSG_CMD,
	 * MSG_ID and, when the command has one, ARGS with the reply fields.
	 * Messages marked NETGRAPH_MSG_A_DUMP in the schema are dumps.
	 */
	NETGRAPH_CMD_MSG,
	/*
	 * Data. From userspace: HOOK (of the calling socket's node) and DATA.
	 * To userspace (unicast to the socket): HOOK and DATA.
	 */
	NETGRAPH_CMD_DATA,
	/* Events on NETGRAPH_MCGRP_EVENTS. NODE, and for hooks LINK. */
	NETGRAPH_CMD_EVT_NEWNODE,
	NETGRAPH_CMD_EVT_DELNODE,
	NETGRAPH_CMD_EVT_NEWHOOK,
	NETGRAPH_CMD_EVT_DELHOOK,
	NETGRAPH_CMD_EVT_RENAME,
	/* [TYPE_NAME] -> dump: one TYPE per message, with its MSG schemas */
	NETGRAPH_CMD_GETTYPE,

	__NETGRAPH_CMD_MAX,
	NETGRAPH_CMD_MAX = __NETGRAPH_CMD_MAX - 1
};

enum netgraph_attr {
	NETGRAPH_A_UNSPEC,
	NETGRAPH_A_PATH,		/* string, < NG_PATHSIZ */
	NETGRAPH_A_PEERPATH,		/* string, < NG_PATHSIZ */
	NETGRAPH_A_TYPE_NAME,		/* string, < NG_TYPESIZ */
	NETGRAPH_A_OURHOOK,		/* string, < NG_HOOKSIZ */
	NETGRAPH_A_PEERHOOK,		/* string, < NG_HOOKSIZ */
	NETGRAPH_A_HOOK,		/* string, < NG_HOOKSIZ */
	NETGRAPH_A_NAME,		/* string, < NG_NODESIZ */
	NETGRAPH_A_NAMED_ONLY,		/* flag */
	NETGRAPH_A_NODE,		/* nest: enum netgraph_node_attr */
	NETGRAPH_A_LINK,		/* nest: enum netgraph_link_attr */
	NETGRAPH_A_TYPE,		/* nest: enum netgraph_type_attr */
	NETGRAPH_A_MSG_CMD,		/* string, < NG_CMDSTRSIZ */
	NETGRAPH_A_MSG_ID,		/* u32: the command's number */
	NETGRAPH_A_ARGS,		/* nest: fields by index, see schema */
	NETGRAPH_A_DATA,		/* binary: one frame */
	NETGRAPH_A_PAD,

	__NETGRAPH_A_MAX,
	NETGRAPH_A_MAX = __NETGRAPH_A_MAX - 1
};

/* FreeBSD struct nodeinfo. */
enum netgraph_node_attr {
	NETGRAPH_NODE_A_UNSPEC,
	NETGRAPH_NODE_A_NAME,		/* string, absent when unnamed */
	NETGRAPH_NODE_A_TYPE,		/* string */
	NETGRAPH_NODE_A_ID,		/* u32 */
	NETGRAPH_NODE_A_HOOKS,		/* u32: number of hooks */
	/*
	 * u64: frames dropped at this node because they exceeded the
	 * forwarding budget (a loop, or a chain deeper than 24 nodes).
	 */
	NETGRAPH_NODE_A_LOOP_DROPS,
	NETGRAPH_NODE_A_PAD,
	/*
	 * u64: other frames this node dropped (out of memory, a frame too
	 * big for its destination, a full socket buffer, ...).
	 */
	NETGRAPH_NODE_A_DROPS,

	__NETGRAPH_NODE_A_MAX,
	NETGRAPH_NODE_A_MAX = __NETGRAPH_NODE_A_MAX - 1
};

/* FreeBSD struct linkinfo. */
enum netgraph_link_attr {
	NETGRAPH_LINK_A_UNSPEC,
	NETGRAPH_LINK_A_OURHOOK,	/* string */
	NETGRAPH_LINK_A_PEERHOOK,	/* string */
	NETGRAPH_LINK_A_PEER,		/* nest: enum netgraph_node_attr */
	/*
	 * u64: frames (and their octets) that arrived through OURHOOK, and
	 * that left through it (arrived at PEERHOOK), since the hooks were
	 * made or the node's type cleared them (hole's clrstats).
	 */
	NETGRAPH_LINK_A_RX_FRAMES,
	NETGRAPH_LINK_A_RX_OCTETS,
	NETGRAPH_LINK_A_TX_FRAMES,
	NETGRAPH_LINK_A_TX_OCTETS,
	NETGRAPH_LINK_A_PAD,

	__NETGRAPH_LINK_A_MAX,
	NETGRAPH_LINK_A_MAX = __NETGRAPH_LINK_A_MAX - 1
};

/* FreeBSD struct typeinfo, plus the type's message schemas. */
enum netgraph_type_attr {
	NETGRAPH_TYPE_A_UNSPEC,
	NETGRAPH_TYPE_A_NAME,		/* string */
	NETGRAPH_TYPE_A_NUMNODES,	/* u32: living nodes in this namespace */
	NETGRAPH_TYPE_A_COOKIE,		/* u32: FreeBSD's type cookie */
	NETGRAPH_TYPE_A_MSG,		/* nest, repeated: enum netgraph_msg_attr */

	__NETGRAPH_TYPE_A_MAX,
	NETGRAPH_TYPE_A_MAX = __NETGRAPH_TYPE_A_MAX - 1
};

/* One message a node type accepts. */
enum netgraph_msg_attr {
	NETGRAPH_MSG_A_UNSPEC,
	NETGRAPH_MSG_A_NAME,		/* string: ASCII command name */
	NETGRAPH_MSG_A_ID,		/* u32: FreeBSD's command number */
	NETGRAPH_MSG_A_ARGS,		/* nest: a netgraph_field_attr nest each */
	NETGRAPH_MSG_A_REPLY,		/* nest: a netgraph_field_attr nest each */
	/*
	 * flag: send the message with NLM_F_DUMP; every answer carries part
	 * of the reply value (arrays are to be concatenated).
	 */
	NETGRAPH_MSG_A_DUMP,
	/* flag: changes nothing, allowed without CAP_NET_ADMIN */
	NETGRAPH_MSG_A_READONLY,

	__NETGRAPH_MSG_A_MAX,
	NETGRAPH_MSG_A_MAX = __NETGRAPH_MSG_A_MAX - 1
};

/*
 * One field of a message's argument or reply. In NETGRAPH_A_ARGS a field is
 * the attribute whose type number is its position (1-based) in the schema.
 */
enum netgraph_field_attr {
	NETGRAPH_FIELD_A_UNSPEC,
	NETGRAPH_FIELD_A_NAME,		/* string: FreeBSD's ASCII field name */
	NETGRAPH_FIELD_A_KIND,		/* u32: enum netgraph_field_kind */
	NETGRAPH_FIELD_A_FIELDS,	/* nest: sub-fields of a struct/array */
	NETGRAPH_FIELD_A_DEFAULT,	/* s64: value omitted when printing */
	NETGRAPH_FIELD_A_MINVAL,	/* s64: smallest accepted value */
	NETGRAPH_FIELD_A_MAXVAL,	/* s64: largest accepted value */

	__NETGRAPH_FIELD_A_MAX,
	NETGRAPH_FIELD_A_MAX = __NETGRAPH_FIELD_A_MAX - 1
};

enum netgraph_field_kind {
	NETGRAPH_FIELD_U8 = 1,
	NETGRAPH_FIELD_U16,
	NETGRAPH_FIELD_U32,
	NETGRAPH_FIELD_U64,
	NETGRAPH_FIELD_S32,
	NETGRAPH_FIELD_S64,
	NETGRAPH_FIELD_HEX32,		/* u32 printed as 0x... */
	NETGRAPH_FIELD_STRING,		/* NUL-terminated string */
	NETGRAPH_FIELD_ETHADDR,		/* 6 bytes */
	NETGRAPH_FIELD_STRUCT,		/* nest of sub-fields */
	NETGRAPH_FIELD_ARRAY,		/* nest of repeated structs */
	NETGRAPH_FIELD_HEX16,		/* u16 printed as 0x... */
};

#endif /* _UAPI_LINUX_NETGRAPH_H */
