// Shared by the shim's C++ files (not part of its C interface): status codes and the guard that keeps
// every C++ exception inside the shim.
#ifndef FER_GUARD_HPP
#define FER_GUARD_HPP

#include <cstdio>
#include <exception>
#include <new>

namespace fer {

// The status codes of fer_shims.h.
enum { ok = 0, corrupt = 1, unsupported = 3, no_memory = 4 };

inline void say(char *message, size_t capacity, const char *text) {
    if (message && capacity) std::snprintf(message, capacity, "%s", text);
}

// Deletes what an open call made; a destructor that throws stays here.
template <typename Made>
void destroy(Made *made) noexcept {
    try {
        delete made;
    } catch (...) {
    }
}

// Runs a library call sequence, turning any exception into a status and a message: nothing thrown
// leaves the shim.
template <typename Body>
int guarded(const char *doing, char *message, size_t capacity, Body body) {
    try {
        return body();
    } catch (const std::bad_alloc &) {
        say(message, capacity, "out of memory");
        return no_memory;
    } catch (const std::exception &error) {
        say(message, capacity, error.what());
        return corrupt;
    } catch (...) {
        say(message, capacity, doing);
        return corrupt;
    }
}

// What an open call returns: the object it made when it succeeded, else nothing (the object deleted).
template <typename Made>
Made *opened(int status, Made *made) {
    if (status == ok) return made;
    destroy(made);
    return nullptr;
}

}  // namespace fer

#endif
