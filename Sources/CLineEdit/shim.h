// libedit (BSD-licensed line editing) for the interactive shell only (Debian: libedit-dev).
#include <stdio.h>
#include <editline/readline.h>
#include <histedit.h>
