#pragma once
#include <libfdisk.h>
