/* SPDX-License-Identifier: GPL-2.0 */
/* `tapio doctor`: what the running kernel allows, what tapio will use, and
 * why anything is missing. */
#ifndef TAPIO_DOCTOR_H
#define TAPIO_DOCTOR_H

#include <stdbool.h>

int tapio_doctor(bool json);

#endif /* TAPIO_DOCTOR_H */
