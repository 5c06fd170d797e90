#pragma once

// The log query language (docs/LOGQUERY.md) in one include: parse, render, match records,
// narrow by the full-text index, and count with `| stats`.
#include "logs/query_ast.h"
#include "logs/query_fts.h"
#include "logs/query_matcher.h"
#include "logs/query_parser.h"
#include "logs/query_render.h"
#include "logs/query_stats.h"
