#include "health/condition.h"

#include <gtest/gtest.h>
