/*
 * fer_faces: face detection for ferdata, OpenCV's Haar cascades (C++) behind a C interface of ours.
 * Every call into OpenCV happens inside a try/catch here: no C++ exception and no OpenCV error reaches
 * Swift, which only sees a status code (fer_shims.h's) and a message copied into its buffer.
 * A detector is used by one thread at a time; make one per thread.
 */
#ifndef FER_FACES_H
#define FER_FACES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fer_face_detector fer_face_detector;

typedef struct {
    int32_t x, y, width, height;
} fer_box;

typedef struct {
    /* Step between the scales searched (1.1: 10 %). */
    double scale_factor;
    /* Overlapping detections a candidate needs to be kept (OpenCV's minNeighbors). */
    int32_t min_neighbours;
    /* With a verifier: the detections the verifier must make around a candidate to confirm it. */
    int32_t verify_neighbours;
    /* Smallest and largest face side searched, in pixels (max 0: the image). */
    uint32_t min_face;
    uint32_t max_face;
} fer_detect_params;

/* Loads the detecting cascade and, unless verifier_path is NULL, a second cascade that must also find
 * a face around each candidate, and unless eye_path is NULL an eye cascade for fer_faces_eyes. NULL, with
 * the reason in message, when a file cannot be loaded. */
fer_face_detector *fer_faces_open(const char *detector_path, const char *verifier_path, const char *eye_path,
                                  char *message, size_t message_capacity);
void fer_faces_close(fer_face_detector *detector);

/* Finds faces in an 8-bit gray image of width x height (rows of `width` bytes), largest first. Writes
 * up to `capacity` boxes and the number found to *count (which may exceed capacity). */
int fer_faces_detect(fer_face_detector *detector, const uint8_t *pixels, uint32_t width, uint32_t height,
                     const fer_detect_params *params, fer_box *boxes, uint32_t capacity, uint32_t *count,
                     char *message, size_t message_capacity);

/* Finds the eyes of a face: the largest eye detection in the upper left and in the upper right quarter
 * of its box. Writes their centres to eyes (left x, left y, right x, right y, in picture pixels) and
 * *found = 1, or *found = 0 when either is missing. */
int fer_faces_eyes(fer_face_detector *detector, const uint8_t *pixels, uint32_t width, uint32_t height,
                   const fer_box *face, float *eyes, int32_t *found, char *message, size_t message_capacity);

#ifdef __cplusplus
}
#endif

#endif
