#pragma once

#include <string>
#include <string_view>

#include "logs/function_ref.h"

namespace pharos::logs {

// Reads a logfmt line (`k=v k2="quoted \" v" k3= flag`) and calls onPair(key, value) for each
// pair, in order. Decisions:
//  - A bare key (`flag`) is reported with the value "true", as a boolean flag is what it means
//    in the loggers that write it (go-kit, logrus' text format never writes one).
//  - `k=` is reported with an empty value.
//  - Quoted values are unescaped (\" \\ \n \r \t; any other backslash is kept); a value with
//    escapes is written into `scratch`, so its view is valid only during that call.
// Returns false, before reporting anything, when the line does not look like logfmt: the first
// token has no '=', fewer than two tokens have one, a key is empty or holds a quote, or a quote
// is not closed. So prose ("user logged in") never turns into attributes.
bool parseLogfmt(std::string_view line, std::string& scratch,
                 FunctionRef<void(std::string_view key, std::string_view value)> onPair);

}  // namespace pharos::logs
