// dlib's HOG face detector (get_frontal_face_detector, built into Debian's libdlib-dev) on the scenes of
// scripts/make-face-scenes.py, for scripts/bench-faces --dlib: the candidate the face issue named beside
// OpenCV's cascades. Reads scene file names on stdin, searches them on THREADS threads (one detector
// each), each picture upsampled UPSAMPLE times first (the detector's window is 80 px), and prints the
// seconds, then one line per scene: the file and its boxes (x y width height ...).
//   g++ -O2 scripts/dlib-hog-faces.cpp -o dlib-hog-faces -ldlib -lopenblas -lpng -ljpeg -lpthread
//   ls scenes/*.png | ./dlib-hog-faces UPSAMPLE THREADS
#include <dlib/image_io.h>
#include <dlib/image_processing/frontal_face_detector.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: dlib-hog-faces UPSAMPLE THREADS < files\n");
        return 2;
    }
    const int upsample = std::atoi(argv[1]), threads = std::atoi(argv[2]);
    std::vector<std::string> files;
    for (std::string line; std::getline(std::cin, line);)
        if (!line.empty()) files.push_back(line);
    std::vector<dlib::array2d<unsigned char>> images(files.size());
    for (size_t i = 0; i < files.size(); i++) dlib::load_image(images[i], files[i]);
    std::vector<std::vector<dlib::rectangle>> found(files.size());
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; t++) {
        workers.emplace_back([&, t] {
            dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
            for (size_t i = t; i < files.size(); i += threads) {
                dlib::array2d<unsigned char> image;
                dlib::assign_image(image, images[i]);
                double scale = 1;
                for (int u = 0; u < upsample; u++) {
                    dlib::pyramid_up(image);
                    scale *= 2;
                }
                for (const dlib::rectangle &box : detector(image))
                    found[i].push_back(dlib::rectangle((long)(box.left() / scale), (long)(box.top() / scale),
                                                       (long)(box.right() / scale), (long)(box.bottom() / scale)));
            }
        });
    }
    for (std::thread &worker : workers) worker.join();
    std::printf("%.6f\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    for (size_t i = 0; i < files.size(); i++) {
        std::printf("%s", files[i].c_str());
        for (const dlib::rectangle &box : found[i]) std::printf(" %ld %ld %ld %ld", box.left(), box.top(), box.width(), box.height());
        std::printf("\n");
    }
    return 0;
}
