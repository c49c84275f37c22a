/* commands.h - subcommands implemented in their own front-end files.
 *
 * Each one is `int cell_cmd_NAME(int argc, char **argv)` (argv[0] is the
 * subcommand's name) that prints its own output, prints errors as one line
 * "cell: ..." on stderr and returns the exit status (125 on bad input), plus
 * a help text `cell_cmd_NAME_help`.  Add a file, declare it here, list it in
 * CELL_EXTRA_COMMANDS and in src/meson.build.
 */
#ifndef CELL_COMMANDS_H
#define CELL_COMMANDS_H

/* cell root build|debootstrap|diff (front/rootcmd.c) */
int cell_cmd_root(int argc, char **argv);
extern const char cell_cmd_root_help[];
/* cell unit (front/unitcmd.c) */
int cell_cmd_unit(int argc, char **argv);
extern const char cell_cmd_unit_help[];
/* cell net add|del|ls|exec|link|unlink|gc (front/netcmd.c) */
int cell_cmd_net(int argc, char **argv);
extern const char cell_cmd_net_help[];

/* cell doctor (front/doctor.c) */
int cell_cmd_doctor(int argc, char **argv);
extern const char cell_cmd_doctor_help[];

/* cell profile show (front/profile.c) */
int cell_cmd_profile(int argc, char **argv);
extern const char cell_cmd_profile_help[];

/* named sandboxes (front/sandboxcmd.c) */
int cell_cmd_ls(int argc, char **argv);
extern const char cell_cmd_ls_help[];
int cell_cmd_enter(int argc, char **argv);
extern const char cell_cmd_enter_help[];
int cell_cmd_ps(int argc, char **argv);
extern const char cell_cmd_ps_help[];
int cell_cmd_stop(int argc, char **argv);
extern const char cell_cmd_stop_help[];
int cell_cmd_rm(int argc, char **argv);
extern const char cell_cmd_rm_help[];
int cell_cmd_gc(int argc, char **argv);
extern const char cell_cmd_gc_help[];
int cell_cmd_logs(int argc, char **argv);
extern const char cell_cmd_logs_help[];

/* cell oci, the OCI runtime (front/ocicmd.c); also as cell-oci */
int cell_cmd_oci(int argc, char **argv);
extern const char cell_cmd_oci_help[];

#define CELL_EXTRA_COMMANDS                                                                        \
	{ "root", cell_cmd_root, cell_cmd_root_help },                                             \
	{ "unit", cell_cmd_unit, cell_cmd_unit_help },                                             \
	{ "net", cell_cmd_net, cell_cmd_net_help },                                                \
	{ "doctor", cell_cmd_doctor, cell_cmd_doctor_help },                                      \
	{ "profile", cell_cmd_profile, cell_cmd_profile_help },                                    \
	{ "ls", cell_cmd_ls, cell_cmd_ls_help },                                            \
	{ "enter", cell_cmd_enter, cell_cmd_enter_help },                                            \
	{ "ps", cell_cmd_ps, cell_cmd_ps_help },                                            \
	{ "stop", cell_cmd_stop, cell_cmd_stop_help },                                            \
	{ "rm", cell_cmd_rm, cell_cmd_rm_help },                                            \
	{ "gc", cell_cmd_gc, cell_cmd_gc_help },                                            \
	{ "logs", cell_cmd_logs, cell_cmd_logs_help },                                            \
	{ "oci", cell_cmd_oci, cell_cmd_oci_help },

#endif
