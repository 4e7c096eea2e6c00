/*
 * fer_faces: face detection for ferdata, OpenCV's Haar cascades, facial landmarks, dlib's shape
 * predictor, and ONNX models through OpenCV's DNN module (all C++), behind a C interface of ours.
 * Every call into OpenCV and dlib happens inside a try/catch here: no C++ exception and no library error reaches
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
 * a face around each candidate. NULL, with the reason in message, when a file cannot be loaded. */
fer_face_detector *fer_faces_open(const char *detector_path, const char *verifier_path, char *message, size_t message_capacity);
void fer_faces_close(fer_face_detector *detector);

/* Finds faces in an 8-bit gray image of width x height (rows of `width` bytes), largest first. Writes
 * up to `capacity` boxes and the number found to *count (which may exceed capacity). */
int fer_faces_detect(fer_face_detector *detector, const uint8_t *pixels, uint32_t width, uint32_t height,
                     const fer_detect_params *params, fer_box *boxes, uint32_t capacity, uint32_t *count,
                     char *message, size_t message_capacity);

typedef struct fer_landmarker fer_landmarker;

/* Loads dlib's 68-point shape predictor (Debian's libdlib-data). NULL, with the reason in message, when
 * the file cannot be read. A landmarker is read-only once loaded: every thread may use one at once. */
fer_landmarker *fer_landmarks_open(const char *model_path, char *message, size_t message_capacity);
void fer_landmarks_close(fer_landmarker *landmarker);

/* Finds the eyes of the face in `face`: the 68 landmarks are fitted, then fitted again `refits` times
 * on the face turned upright by the eye line found so far (the predictor starts from an upright mean
 * face and fits turned faces poorly). Writes the eye centres (the means of each eye's six points: left
 * x, left y, right x, right y, in picture pixels, "left" as seen) to eyes, unless points is NULL all 68
 * points of the last fit (x, y pairs, picture pixels) to points, and to *last_turn the angle (degrees)
 * the last refit still turned the eye line by: a small one says the fit has settled. */
int fer_landmarks_eyes(const fer_landmarker *landmarker, const uint8_t *pixels, uint32_t width, uint32_t height,
                       const fer_box *face, int32_t refits, float *eyes, float *points, float *last_turn,
                       char *message, size_t message_capacity);

typedef struct fer_onnx_model fer_onnx_model;

/* Loads an ONNX model with OpenCV's DNN module. NULL, with the reason in message, when the file cannot
 * be read as a network OpenCV runs. A model runs one batch at a time: use it from one thread. */
fer_onnx_model *fer_onnx_open(const char *path, char *message, size_t message_capacity);
void fer_onnx_close(fer_onnx_model *model);

/* Runs the model on a batch of inputs, floats in NCHW order (batch x channels x height x width). Writes
 * the output's values (batch x outputs, row-major) to output, up to capacity, and their number to *count. */
int fer_onnx_run(fer_onnx_model *model, const float *input, uint32_t batch, uint32_t channels, uint32_t height, uint32_t width,
                 float *output, size_t capacity, size_t *count, char *message, size_t message_capacity);

#ifdef __cplusplus
}
#endif

#endif
