#include "common/fa.h"
int main(void) { return 0; }
