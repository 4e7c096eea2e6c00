#include "fer_faces.h"
#include "fer_guard.hpp"

#include <cmath>

#include <dlib/image_processing/shape_predictor.h>
#include <dlib/image_transforms.h>
#include <dlib/serialize.h>

using namespace fer;

struct fer_landmarker {
    dlib::shape_predictor predictor;
};

namespace {

// The means of the six points of each eye in the 68-point scheme (36-41: the eye on the picture's
// left, 42-47: on its right).
struct Eyes {
    dlib::dpoint left, right;
    double angle() const { return std::atan2(right.y() - left.y(), right.x() - left.x()); }
};

Eyes eyes_of(const dlib::full_object_detection &shape) {
    Eyes eyes;
    for (unsigned long k = 36; k < 42; k++) eyes.left += shape.part(k) / 6.0;
    for (unsigned long k = 42; k < 48; k++) eyes.right += shape.part(k) / 6.0;
    return eyes;
}

// Refits are made on a chip of the face turned upright, twice the box's side (at most this many
// pixels a side: more resolution than the landmarks need), with the box in its middle.
constexpr long largest_chip = 400;

}  // namespace

extern "C" fer_landmarker *fer_landmarks_open(const char *model_path, char *message, size_t message_capacity) {
    fer_landmarker *landmarker = nullptr;
    const int status = guarded("unknown error loading the landmark model", message, message_capacity, [&]() -> int {
        if (!model_path) {
            say(message, message_capacity, "no landmark model given");
            return unsupported;
        }
        landmarker = new fer_landmarker();
        dlib::deserialize(model_path) >> landmarker->predictor;
        if (landmarker->predictor.num_parts() != 68) {
            say(message, message_capacity, "the landmark model does not have 68 points");
            return unsupported;
        }
        return ok;
    });
    return opened(status, landmarker);
}

extern "C" void fer_landmarks_close(fer_landmarker *landmarker) { destroy(landmarker); }

extern "C" int fer_landmarks_eyes(const fer_landmarker *landmarker, const uint8_t *pixels, uint32_t width, uint32_t height,
                                  const fer_box *face, int32_t refits, float *eyes, float *points, float *last_turn,
                                  char *message, size_t message_capacity) {
    if (!landmarker || !pixels || !face || width == 0 || height == 0 || width > 1u << 15 || height > 1u << 15 ||
        face->width < 8 || face->height < 8 || face->x < 0 || face->y < 0 || (uint32_t)face->x + (uint32_t)face->width > width ||
        (uint32_t)face->y + (uint32_t)face->height > height) {
        say(message, message_capacity, "no face box inside the picture");
        return unsupported;
    }
    return guarded("unknown error fitting landmarks", message, message_capacity, [&]() -> int {
        dlib::array2d<unsigned char> image(height, width);
        for (uint32_t y = 0; y < height; y++)
            std::copy(pixels + (size_t)y * width, pixels + (size_t)(y + 1) * width, &image[y][0]);
        const dlib::rectangle box(face->x, face->y, face->x + face->width - 1, face->y + face->height - 1);
        dlib::full_object_detection shape = landmarker->predictor(image, box);
        dlib::point_transform_projective to_picture;  // identity: the first fit is on the picture itself
        Eyes found = eyes_of(shape);
        double angle = found.angle(), turn = angle;
        const long side = std::min<long>(2 * std::max(face->width, face->height), largest_chip);
        const double scale = (double)side / (2.0 * std::max(face->width, face->height));
        const long inner = std::lround(std::max(face->width, face->height) * scale);
        for (int32_t refit = 0; refit < refits; refit++) {
            // The chip is the box's neighbourhood turned by the angle found so far: the face upright.
            const dlib::chip_details chip(dlib::centered_drect(dlib::dcenter(box), 2.0 * std::max(face->width, face->height),
                                                               2.0 * std::max(face->width, face->height)),
                                          dlib::chip_dims(side, side), angle);
            dlib::array2d<unsigned char> upright;
            dlib::extract_image_chip(image, chip, upright);
            const long offset = (side - inner) / 2;
            shape = landmarker->predictor(upright, dlib::rectangle(offset, offset, offset + inner - 1, offset + inner - 1));
            const Eyes again = eyes_of(shape);
            turn = again.angle();
            angle += turn;
            to_picture = dlib::inv(dlib::get_mapping_to_chip(chip));
            found = Eyes{to_picture(again.left), to_picture(again.right)};
        }
        if (points) {
            for (unsigned long k = 0; k < 68; k++) {
                const dlib::dpoint point = to_picture(dlib::dpoint(shape.part(k)));
                points[2 * k] = (float)point.x();
                points[2 * k + 1] = (float)point.y();
            }
        }
        eyes[0] = (float)found.left.x();
        eyes[1] = (float)found.left.y();
        eyes[2] = (float)found.right.x();
        eyes[3] = (float)found.right.y();
        *last_turn = (float)(turn * 180.0 / M_PI);
        return ok;
    });
}
