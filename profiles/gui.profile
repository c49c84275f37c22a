# gui: a desktop program on the X display of DISPLAY (its socket and that
# display's cookie only).  default otherwise; for Wayland use gui-wayland.
include default
x11
