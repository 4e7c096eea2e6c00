#include "fer_faces.h"
#include "fer_guard.hpp"

#include <algorithm>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

namespace {

using namespace fer;

// Merges boxes whose centres fall inside a larger box already kept (the detector and the verifier
// report one face several times at neighbouring scales).
std::vector<cv::Rect> merge(std::vector<cv::Rect> boxes) {
    std::sort(boxes.begin(), boxes.end(), [](const cv::Rect &a, const cv::Rect &b) { return a.area() > b.area(); });
    std::vector<cv::Rect> kept;
    for (const cv::Rect &box : boxes) {
        const cv::Point centre(box.x + box.width / 2, box.y + box.height / 2);
        bool inside = std::any_of(kept.begin(), kept.end(), [&](const cv::Rect &k) { return k.contains(centre); });
        if (!inside) kept.push_back(box);
    }
    return kept;
}

}  // namespace

struct fer_face_detector {
    cv::CascadeClassifier detector;
    cv::CascadeClassifier verifier;
    bool verifies = false;
};

extern "C" fer_face_detector *fer_faces_open(const char *detector_path, const char *verifier_path, char *message,
                                             size_t message_capacity) {
    fer_face_detector *detector = nullptr;
    const int status = guarded("unknown error loading the cascades", message, message_capacity, [&]() -> int {
        if (!detector_path) {
            say(message, message_capacity, "no face cascade given");
            return unsupported;
        }
        // ferdata runs one detector per core itself; OpenCV's own threads would compete with them.
        cv::setNumThreads(1);
        detector = new fer_face_detector();
        detector->verifies = verifier_path != nullptr;
        const struct {
            cv::CascadeClassifier &cascade;
            const char *path;
            const char *failure;
        } cascades[] = {{detector->detector, detector_path, "cannot load the face cascade"},
                        {detector->verifier, verifier_path, "cannot load the verifying cascade"}};
        for (const auto &wanted : cascades) {
            if (wanted.path && !wanted.cascade.load(wanted.path)) {
                say(message, message_capacity, wanted.failure);
                return unsupported;
            }
        }
        return ok;
    });
    return opened(status, detector);
}

extern "C" void fer_faces_close(fer_face_detector *detector) { destroy(detector); }

extern "C" int fer_faces_detect(fer_face_detector *detector, const uint8_t *pixels, uint32_t width, uint32_t height,
                                const fer_detect_params *params, fer_box *boxes, uint32_t capacity, uint32_t *count,
                                char *message, size_t message_capacity) {
    *count = 0;
    if (!detector || !pixels || width == 0 || height == 0 || width > 1u << 15 || height > 1u << 15) {
        say(message, message_capacity, "no image to search");
        return unsupported;
    }
    return guarded("unknown error in face detection", message, message_capacity, [&]() -> int {
        const cv::Mat image((int)height, (int)width, CV_8UC1, const_cast<uint8_t *>(pixels));
        const int smallest = (int)std::max<uint32_t>(params->min_face, 20);
        const int largest = params->max_face ? (int)params->max_face : (int)std::max(width, height);
        if (smallest > (int)std::min(width, height)) return ok;
        std::vector<cv::Rect> found;
        detector->detector.detectMultiScale(image, found, params->scale_factor, params->min_neighbours, 0,
                                            cv::Size(smallest, smallest), cv::Size(largest, largest));
        if (detector->verifies) {
            std::vector<cv::Rect> confirmed;
            const cv::Rect frame(0, 0, (int)width, (int)height);
            for (const cv::Rect &box : found) {
                const int pad = box.width / 4;
                const cv::Rect around = cv::Rect(box.x - pad, box.y - pad, box.width + 2 * pad, box.height + 2 * pad) & frame;
                std::vector<cv::Rect> again;
                const int low = std::max(20, box.width * 6 / 10), high = box.width * 14 / 10 + 1;
                detector->verifier.detectMultiScale(image(around), again, 1.05, params->verify_neighbours, 0,
                                                    cv::Size(low, low), cv::Size(high, high));
                if (!again.empty()) confirmed.push_back(box);
            }
            found.swap(confirmed);
        }
        found = merge(found);
        *count = (uint32_t)found.size();
        for (uint32_t i = 0; i < capacity && i < found.size(); i++)
            boxes[i] = fer_box{found[i].x, found[i].y, found[i].width, found[i].height};
        return ok;
    });
}

